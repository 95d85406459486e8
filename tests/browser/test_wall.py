"""The wall in a real browser: live from the other instance, names only for staff, through a network cut."""

from __future__ import annotations

from typing import Any

import aiohttp
from playwright.async_api import Browser, ConsoleMessage, Error, Page, expect

from hub import keys
from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServerFactory,
    assert_accessible,
    has_horizontal_scroll,
    sign_in,
)

VISITOR = {"name": "会津 さくら", "organization": "喜多方市", "purpose": "event", "consent": True}


async def api_token(base_url: str, email: str, password: str) -> str:
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            base_url + "/api/auth/login", json={"email": email, "password": password}
        )
        assert response.status == 200
        token: str = (await response.json())["token"]
        return token


async def post(base_url: str, path: str, token: str, body: Any | None = None) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            base_url + path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status in (200, 201), await response.text()
        result: dict[str, Any] = await response.json()
        return result


def hub_card(page: Page, name: str) -> Any:
    return page.get_by_role("region", name=name)


async def page_that_goes_offline(browser: Browser, problems: list[str]) -> Page:
    """A page of its own profile whose errors are collected here: Chromium logs each refused
    reconnection while offline as a console error, which is the point of the test, not a fault."""
    context = await browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = await context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        expected = ("ERR_INTERNET_DISCONNECTED", "Failed to load resource")  # the latter: as conftest.py
        if message.type == "error" and not any(text in message.text for text in expected):
            problems.append(message.text)

    def on_error(error: Error) -> None:
        problems.append(str(error))

    page.on("console", on_console)
    page.on("pageerror", on_error)
    return page


async def test_the_wall_follows_the_other_instance_live(
    make_live_server: LiveServerFactory,
    new_context: ContextFactory,
    make_account: AccountFactory,
    browser: Browser,
) -> None:
    first, second = await make_live_server(), await make_live_server()
    member = await make_account("member", name="佐藤 淳一")
    partner = await make_account("partner", name="田中 健")
    kiosk = await make_account("kiosk", hub_id="shibuya")

    staff_token = await api_token(second.url, member.email, member.password)
    boards = {}
    for visibility in ("public", "internal"):
        project = await post(
            second.url,
            "/api/projects",
            staff_token,
            {"title": f"{visibility} 観光DX", "visibility": visibility},
        )
        column = await post(
            second.url, f"/api/boards/{project['board_id']}/columns", staff_token, {"title": "ToDo"}
        )
        boards[visibility] = (project["board_id"], column["id"])

    problems: list[str] = []
    staff_page = await page_that_goes_offline(browser, problems)
    partner_page = await (await new_context()).new_page()
    await sign_in(staff_page, first.url, member.email, member.password)
    await sign_in(partner_page, first.url, partner.email, partner.password)
    for page in (staff_page, partner_page):
        await page.goto(first.url + "/wall")
        await expect(hub_card(page, "渋谷ハブ")).to_contain_text("0 / 20 人")
        await expect(page.locator("#wall-state")).to_have_text("リアルタイムで更新中")
    await assert_accessible(staff_page)

    # Board activity of public projects only, live from the other instance.
    for visibility, (board_id, column_id) in boards.items():
        card = {"column_id": column_id, "title": f"{visibility} のカード"}
        await post(second.url, f"/api/boards/{board_id}/cards", staff_token, card)
    activity = staff_page.get_by_role("region", name="公開プロジェクトの動き")
    await expect(activity).to_contain_text("カード「public のカード」が作られました")
    await expect(activity).to_contain_text("public 観光DX")
    await expect(partner_page.get_by_role("region", name="公開プロジェクトの動き")).to_contain_text(
        "public のカード"
    )
    assert "internal のカード" not in await staff_page.content()

    # A visitor checks in at Shibuya's kiosk, served by the other instance.
    token = await api_token(second.url, kiosk.email, kiosk.password)
    checkin = await post(second.url, "/api/hubs/shibuya/checkins", token, VISITOR)
    await expect(hub_card(staff_page, "渋谷ハブ")).to_contain_text("1 / 20 人")
    await expect(hub_card(staff_page, "渋谷ハブ").get_by_role("listitem")).to_have_text([VISITOR["name"]])
    await expect(hub_card(partner_page, "渋谷ハブ")).to_contain_text("1 / 20 人")
    await expect(hub_card(partner_page, "渋谷ハブ")).to_contain_text(
        "お名前は、DX 推進室の画面にだけ表示されます。"
    )
    assert VISITOR["name"] not in await partner_page.content()
    await expect(hub_card(staff_page, "磐梯ハブ")).to_contain_text("0 / 30 人")
    await assert_accessible(partner_page)

    # The network goes away; meanwhile the visitor leaves and someone else arrives.
    context = staff_page.context
    await context.set_offline(True)
    await first.app[keys.REALTIME].close_sockets()
    await expect(staff_page.locator("#wall-state")).to_have_text("接続が切れました。つなぎ直しています…")
    await post(second.url, f"/api/checkins/{checkin['id']}/checkout", token)
    await post(second.url, "/api/hubs/shibuya/checkins", token, {**VISITOR, "name": "猪苗代 はじめ"})
    # Still cut off: what the wall shows next can only come from catching up with `since`.
    await staff_page.wait_for_timeout(1500)
    await expect(staff_page.locator("#wall-state")).to_have_text("接続が切れました。つなぎ直しています…")
    await expect(hub_card(staff_page, "渋谷ハブ").get_by_role("listitem")).to_have_text([VISITOR["name"]])
    await context.set_offline(False)
    await expect(staff_page.locator("#wall-state")).to_have_text("リアルタイムで更新中", timeout=20_000)
    await expect(hub_card(staff_page, "渋谷ハブ").get_by_role("listitem")).to_have_text(["猪苗代 はじめ"])
    await expect(hub_card(staff_page, "渋谷ハブ")).to_contain_text("1 / 20 人")

    # An announcement to Bandai reaches both walls live (it is posted on the hub's channel).
    notice = {"title": "停電のお知らせ", "body": "15時から点検します。", "audience": {"hubs": ["bandai"]}}
    await post(second.url, "/api/announcements", staff_token, notice)
    for page in (staff_page, partner_page):
        await expect(page.get_by_role("region", name="きょうのお知らせ")).to_contain_text("停電のお知らせ")
    await staff_page.context.close()
    assert problems == []


async def test_the_wall_fits_a_small_phone(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    server = await make_live_server()
    member = await make_account("member")
    page = await (await new_context(viewport={"width": 360, "height": 740})).new_page()
    await sign_in(page, server.url, member.email, member.password)
    await page.goto(server.url + "/wall")
    await expect(hub_card(page, "磐梯ハブ")).to_contain_text("0 / 30 人")
    assert not await has_horizontal_scroll(page)
    await assert_accessible(page)
