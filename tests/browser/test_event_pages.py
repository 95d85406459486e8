"""Events at the hubs in a real browser: the public page without signing in (consent before the
button, the code in large type with its QR code), by keyboard in Japanese and by touch in English,
at 200% zoom; the kiosk's keypad by touch and by keyboard; the wall's live seat counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
from playwright.async_api import Page, expect

from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServer,
    assert_accessible,
    sign_in,
)
from tests.browser.test_kiosk import tap
from tests.browser.test_wall import api_token, post

ZOOMED = {"width": 640, "height": 400}


def at(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


async def new_event(live_server: LiveServer, token: str, **fields: object) -> dict[str, object]:
    body = {
        "title": "はじめてのスマホ教室",
        "description": "LINE の使い方を一緒に練習します。",
        "hub_id": "bandai",
        "starts_at": at(1),
        "ends_at": at(3),
        "capacity": 20,
        **fields,
    }
    return await post(live_server.url, "/api/events", token, body)


async def sideways(page: Page, width: int) -> bool:
    scroll_width: int = await page.evaluate("() => document.documentElement.scrollWidth")
    return scroll_width > width


async def test_public_registration_by_keyboard_in_japanese_at_200_percent(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    host = await make_account("member")
    token = await api_token(live_server.url, host.email, host.password)
    event = await new_event(live_server, token)
    page = await (await new_context(locale="ja-JP", viewport=ZOOMED)).new_page()
    await page.goto(live_server.url + "/events")
    link = page.get_by_role("link", name="詳しく見る・申し込む")
    await expect(link).to_be_visible()
    assert not await sideways(page, ZOOMED["width"])
    await assert_accessible(page)
    await link.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("はじめてのスマホ教室")
    # What is kept and for how long comes before the button.
    consent = page.get_by_text("イベントの 90 日後に、お名前とメールアドレスを消します。")
    await expect(consent).to_be_visible()
    button = page.get_by_role("button", name="申し込む")
    consent_box, button_box = await consent.bounding_box(), await button.bounding_box()
    assert consent_box is not None and button_box is not None and consent_box["y"] < button_box["y"]
    assert not await sideways(page, ZOOMED["width"])
    await assert_accessible(page)

    await page.get_by_label("お名前").focus()
    await page.keyboard.type("磐梯 花子")
    await page.keyboard.press("Tab")  # e-mail (optional)
    await page.keyboard.press("Tab")  # party size
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Tab")  # consent, not ticked yet
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    # Not sent: the box to tick gets the focus, with the reason tied to it (read out with it).
    agree = page.get_by_label("上の内容を読み、同意します")
    await expect(agree).to_be_focused()
    await expect(agree).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_text("申し込むには「同意します」にチェックを入れてください。")).to_be_visible()
    await page.keyboard.press("Space")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="申し込みを受け付けました")).to_be_focused()
    code = (await page.locator("#done-code").inner_text()).strip()
    assert len(code) == 6
    qr = page.get_by_role("img", name=f"受付コード {' '.join(code)} の QR コード")
    await expect(qr).to_be_visible()
    assert await qr.evaluate("img => img.complete && img.naturalWidth > 0")
    assert not await sideways(page, ZOOMED["width"])
    await assert_accessible(page)
    async with aiohttp.ClientSession() as session:
        rows = await (
            await session.get(
                f"{live_server.url}/api/events/{event['id']}/registrations",
                headers={"Authorization": f"Bearer {token}"},
            )
        ).json()
    assert [(r["name"], r["party_size"], r["code"]) for r in rows] == [("磐梯 花子", 2, code)]


async def test_public_registration_by_touch_in_english_then_cancel_by_link(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    host = await make_account("member")
    token = await api_token(live_server.url, host.email, host.password)
    event = await new_event(live_server, token, title="Smartphone class")
    context = await new_context(locale="en-US", has_touch=True, viewport={"width": 360, "height": 740})
    page = await context.new_page()
    await page.goto(f"{live_server.url}/locale/en?next=/events/{event['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Smartphone class")
    await page.get_by_label("Your name").tap()
    await page.keyboard.type("Hanako Bandai")
    await page.get_by_label("I have read this and agree").tap()
    await page.get_by_role("button", name="Register").tap()
    await expect(page.get_by_role("heading", name="You are registered")).to_be_visible()
    code = (await page.locator("#done-code").inner_text()).strip()
    assert not await sideways(page, 360)
    await assert_accessible(page)
    async with aiohttp.ClientSession() as session:
        rows = await (
            await session.get(
                f"{live_server.url}/api/events/{event['id']}/registrations",
                headers={"Authorization": f"Bearer {token}"},
            )
        ).json()
    registration = rows[0]["id"]
    await page.goto(f"{live_server.url}/events/{event['id']}?registration={registration}&code={code}")
    await page.get_by_role("button", name="Cancel my registration").tap()
    await expect(page.locator("#cancel-result")).to_have_text("Your registration is cancelled.")
    await assert_accessible(page)


async def test_kiosk_keypad_by_touch_and_by_keyboard(
    live_server: LiveServer, page: Page, make_account: AccountFactory
) -> None:
    host = await make_account("member")
    token = await api_token(live_server.url, host.email, host.password)
    event = await new_event(live_server, token, capacity=1)
    path = f"/api/public/events/{event['id']}/registrations"
    async with aiohttp.ClientSession() as session:
        first = await (
            await session.post(live_server.url + path, json={"name": "山田 一郎", "consent": True})
        ).json()
        second = await (
            await session.post(live_server.url + path, json={"name": "待ち 二郎", "consent": True})
        ).json()
    assert second["status"] == "waitlisted"
    kiosk = await make_account("kiosk", hub_id="bandai")
    await sign_in(page, live_server.url, kiosk.email, kiosk.password)
    await page.goto(live_server.url + "/kiosk/bandai")
    await tap(page.get_by_role("button", name="イベントに申し込んだ方"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("受付コードを入力してください")
    await assert_accessible(page)
    keypad = page.get_by_role("group", name="キーパッド")
    for char in first["code"]:
        await tap(keypad.get_by_role("button", name=char, exact=True))
    await expect(page.get_by_role("textbox", name="受付コード")).to_have_value(first["code"])
    await tap(page.get_by_role("button", name="受付する"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("ようこそ")
    await expect(page.locator("#code-done-text")).to_have_text("山田 一郎 さん、イベントの受付が済みました。")
    await assert_accessible(page)

    # By keyboard: a waitlisted code typed in lower case is refused with a sentence in Japanese.
    await page.locator("#step-code-done").get_by_role("button", name="最初にもどる").click()
    await page.get_by_role("button", name="イベントに申し込んだ方").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_be_focused()  # read out first
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("textbox", name="受付コード")).to_be_focused()
    await page.keyboard.type(second["code"].lower())
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("alert")).to_have_text(
        "この登録はキャンセル待ちです。受付の係にお声がけください。"
    )
    await expect(page.get_by_role("textbox", name="受付コード")).to_have_attribute("aria-invalid", "true")
    # The delete key takes one character back.
    await tap(keypad.get_by_role("button", name="1 文字消す"))
    await expect(page.get_by_role("textbox", name="受付コード")).to_have_value(second["code"][:5])


async def test_the_wall_shows_todays_events_with_live_counts(
    live_server: LiveServer, page: Page, make_account: AccountFactory
) -> None:
    host = await make_account("member")
    token = await api_token(live_server.url, host.email, host.password)
    # Under way now, so that it is "today" in the browser whatever the time of day the test runs.
    event = await new_event(
        live_server, token, title="町の説明会", capacity=10, starts_at=at(-0.2), ends_at=at(0.5)
    )
    await sign_in(page, live_server.url, host.email, host.password)
    await page.goto(live_server.url + "/wall")
    item = page.locator(f'[data-event-id="{event["id"]}"]')
    await expect(item).to_contain_text("町の説明会")
    await expect(item).to_contain_text("0/10 席")
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{live_server.url}/api/public/events/{event['id']}/registrations",
            json={"name": "A", "party_size": 3, "consent": True},
        )
        assert response.status == 201
    await expect(item).to_contain_text("3/10 席")
    await assert_accessible(page)

    # The host's list: the registration with its status, and a new one appears live.
    await page.set_viewport_size({"width": 360, "height": 740})
    await page.goto(f"{live_server.url}/events/{event['id']}/registrations")
    rows = page.locator("#host-rows tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("参加")
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{live_server.url}/api/public/events/{event['id']}/registrations",
            json={"name": "後から 来た人", "consent": True},
        )
        assert response.status == 201
    await expect(rows).to_have_count(2)
    await expect(page.locator("#host-counts")).to_contain_text("参加 4")
    assert not await sideways(page, 360)
    await assert_accessible(page)
