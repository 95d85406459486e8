"""Following from the card dialog, and the digest and calendar address on the settings page, in
chromium by keyboard: axe-core clean, 360 px wide without sideways scroll."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServer,
    assert_accessible,
    has_horizontal_scroll,
    sign_in,
)
from tests.browser.test_board import _board, _call, _open


async def test_follow_button_digest_and_calendar_address_by_keyboard_at_360px(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup = await _board(live_server, make_account)
    a1 = setup.cards["A1"]
    page = await (await new_context(viewport={"width": 360, "height": 740})).new_page()
    await _open(page, live_server, setup.owner, setup.board_id)
    await page.locator(f"[data-focus='card:{a1}']").focus()
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    # The creator follows the card; the dialog names them and offers to stop.
    await expect(dialog.locator("[data-followers]")).to_have_text("佐藤 淳一")
    button = dialog.get_by_role("button", name="フォローをやめる")
    await expect(button).to_have_attribute("aria-pressed", "true")
    await button.focus()
    await page.keyboard.press("Enter")
    await expect(dialog.get_by_role("button", name="フォローする")).to_have_attribute("aria-pressed", "false")
    await expect(dialog.locator("[data-followers]")).to_have_text(
        "このカードをフォローしている人はいません。"
    )
    card = await _call(live_server, setup.token, "GET", f"/api/cards/{a1}")
    assert card["followers"] == []
    await assert_accessible(page)
    await page.keyboard.press("Escape")

    # Following the whole board: a toggle beside "My cards", pressed after Enter, kept on reload.
    follow_board = page.get_by_role("button", name="このボードをフォロー")
    await expect(follow_board).to_have_attribute("aria-pressed", "false")
    await follow_board.focus()
    await page.keyboard.press("Enter")
    await expect(follow_board).to_have_attribute("aria-pressed", "true")
    await expect(follow_board).to_be_focused()
    await page.reload()
    await expect(page.get_by_role("button", name="このボードをフォロー")).to_have_attribute(
        "aria-pressed", "true"
    )
    following = await _call(live_server, setup.token, "GET", f"/api/boards/{setup.board_id}/follow")
    assert following == {"following": True}

    settings_page = await (await new_context(viewport={"width": 360, "height": 740})).new_page()
    await sign_in(settings_page, live_server.url, setup.editor.email, setup.editor.password)
    await settings_page.goto(live_server.url + "/preferences")
    await expect(settings_page.locator("#preferences-form")).to_have_attribute("aria-busy", "false")
    await settings_page.get_by_label("毎日のまとめメール").select_option("daily")
    await settings_page.get_by_role("button", name="保存する").click()
    await expect(settings_page.get_by_role("status")).to_have_text("通知の設定を保存しました。")
    prefs = await settings_page.evaluate("fetch('/api/me/preferences').then((r) => r.json())")
    assert prefs["digest"] == "daily"

    await settings_page.get_by_role("button", name="カレンダーのアドレスを発行").click()
    address = settings_page.get_by_label("あなた専用のカレンダーのアドレス")
    await expect(address).to_be_focused()
    first = await address.input_value()
    assert "/api/calendar/" in first
    status = await settings_page.evaluate("(u) => fetch(u).then((r) => r.status)", first)
    assert status == 200
    await settings_page.get_by_role(
        "button", name="新しいアドレスを発行（古いアドレスは使えなくなります）"
    ).click()
    await expect(address).not_to_have_value(first)
    status = await settings_page.evaluate("(u) => fetch(u).then((r) => r.status)", first)
    assert status == 404
    await assert_accessible(settings_page)
    assert not await has_horizontal_scroll(settings_page)
