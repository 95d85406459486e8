"""Urgent notices nobody misses (a banner on every open page until acknowledged), and the wall as a
room screen: today's announcements after a reload, the whole screen, not a person in presence."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from playwright.async_api import WebSocketRoute, expect

from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServer,
    assert_accessible,
    sign_in,
)
from tests.browser.test_wall import api_token, post

URGENT = {
    "title": "大雪警報：磐梯ハブは正午で閉館",
    "body": "正午以降は在宅で作業してください。",
    "title_en": "Heavy snow warning: Bandai hub closes at noon",
    "body_en": "Please work from home after noon.",
    "audience": {"all": True},
    "priority": "urgent",
}


async def test_an_urgent_notice_shows_on_every_open_page_until_acknowledged_in_one(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    author = await make_account("member", name="佐藤 淳一")
    reader = await make_account("member", name="鈴木 美咲")
    context = await new_context()
    first = await context.new_page()
    await sign_in(first, live_server.url, reader.email, reader.password)
    await first.goto(live_server.url + "/projects")
    second = await context.new_page()
    await second.goto(live_server.url + "/notifications")
    await expect(second.get_by_role("heading", level=1)).to_be_visible()

    token = await api_token(live_server.url, author.email, author.password)
    await post(live_server.url, "/api/announcements", token, URGENT)
    for page in (first, second):
        banner = page.get_by_role("region", name=URGENT["title"])
        await expect(banner).to_contain_text("至急のお知らせ")
        await expect(banner).to_contain_text(URGENT["body"])
        await expect(banner.get_by_role("button", name="確認しました")).to_be_visible()
    await assert_accessible(first)
    # The author wrote it: nothing to acknowledge on their pages.
    author_page = await (await new_context()).new_page()
    await sign_in(author_page, live_server.url, author.email, author.password)
    await author_page.goto(live_server.url + "/projects")
    await expect(author_page.get_by_role("heading", level=1)).to_be_visible()
    await author_page.wait_for_timeout(500)
    await expect(author_page.locator(".urgent-banner")).to_have_count(0)

    # Another page opened later shows it too (not only live arrivals), in English when chosen.
    english = await (await new_context(locale="en-US")).new_page()
    await sign_in(english, live_server.url, reader.email, reader.password)
    await english.goto(live_server.url + "/locale/en?next=/projects")
    await expect(english.get_by_role("region", name=URGENT["title_en"])).to_contain_text("Urgent notice")
    await expect(english.get_by_role("button", name="I have read this")).to_be_visible()
    await assert_accessible(english)

    await first.get_by_role("button", name="確認しました").click()
    for page in (first, second, english):
        await expect(page.locator(".urgent-banner")).to_have_count(0)
    await second.reload()
    await expect(second.get_by_role("heading", level=1)).to_be_visible()
    await second.wait_for_timeout(500)
    await expect(second.locator(".urgent-banner")).to_have_count(0)


async def test_an_urgent_notice_published_while_a_page_opens_is_not_missed(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    """The page read the notices before its live channel was subscribed, and the notice came in
    between: the page must read again once it is live, not wait for a reload."""
    author = await make_account("member", name="佐藤 淳一")
    reader = await make_account("member", name="鈴木 美咲")
    token = await api_token(live_server.url, author.email, author.password)
    page = await (await new_context()).new_page()
    await sign_in(page, live_server.url, reader.email, reader.password)
    # The page's socket messages (its subscription) are held until the notice is published.
    held: list[tuple[WebSocketRoute, str | bytes]] = []
    published = False

    def through(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if published:
                server.send(message)
            else:
                held.append((server, message))

        socket.on_message(from_page)

    await page.route_web_socket("**/ws", through)
    await page.goto(live_server.url + "/projects")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await page.wait_for_load_state("networkidle")  # its first read of the notices is done
    assert held, "the page did not subscribe to its channel"
    await post(live_server.url, "/api/announcements", token, URGENT)
    published = True
    for server, message in held:
        server.send(message)
    banner = page.get_by_role("region", name=URGENT["title"])
    await expect(banner).to_contain_text(URGENT["body"])


async def presence_members(base_url: str, token: str, channel: str) -> dict[str, Any]:
    """The members of ``channel`` as a person subscribing now is told, after joins have settled."""
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(
            base_url.replace("http", "ws") + "/ws", headers={"Authorization": f"Bearer {token}"}
        )
        await ws.send_str(json.dumps({"type": "subscribe", "ref": "1", "channel": channel}))
        while True:
            frame = json.loads((await ws.receive(timeout=10)).data)
            if frame["type"] == "presence_state":
                members: dict[str, Any] = frame["members"]
                await ws.close()
                return members


async def test_the_wall_as_the_hubs_screen(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    member = await make_account("member", name="佐藤 淳一")
    kiosk = await make_account("kiosk", name="K Kiosk Bandai", hub_id="bandai")
    token = await api_token(live_server.url, member.email, member.password)
    project = await post(live_server.url, "/api/projects", token, {"title": "観光DX", "visibility": "public"})
    await post(live_server.url, "/api/announcements", token, URGENT)

    screen = await (await new_context(viewport={"width": 1920, "height": 1080})).new_page()
    await sign_in(screen, live_server.url, kiosk.email, kiosk.password)
    await screen.goto(live_server.url + "/wall")
    news = screen.get_by_role("region", name="きょうのお知らせ")
    await expect(news).to_contain_text(URGENT["title"])
    await screen.reload()
    await expect(news).to_contain_text(URGENT["title"])
    await expect(screen.locator("#wall-state")).to_have_text("リアルタイムで更新中")

    # A room screen: no site menus, the whole width, text large enough to read from 5 m.
    await expect(screen.locator(".site-header")).to_be_hidden()
    await expect(screen.get_by_role("button", name="ログアウト")).to_be_hidden()
    width = await screen.evaluate("() => document.getElementById('main').getBoundingClientRect().width")
    assert width >= 1800
    body_px = await screen.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.wall__list li p')).fontSize)"
    )
    assert body_px >= 24
    await assert_accessible(screen)

    # A person watching the wall on their own screen is not "on the board" either.
    watcher = await make_account("partner", name="田中 健", org_id=None)
    watching = await (await new_context()).new_page()
    await sign_in(watching, live_server.url, watcher.email, watcher.password)
    await watching.goto(live_server.url + "/wall")
    await expect(watching.locator("#wall-state")).to_have_text("リアルタイムで更新中")

    # The wall follows the public board, but it is not a person on it.
    await asyncio.sleep(1.5)  # joins are written in the background
    members = await presence_members(live_server.url, token, f"board:{project['board_id']}")
    assert kiosk.id not in members
    assert watcher.id not in members
    assert member.id in members  # the asking socket itself is counted: presence works


async def test_a_mention_in_the_notification_centre_quotes_and_links_to_the_card(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    owner = await make_account("member", name="佐藤 淳一")
    reader = await make_account("member", name="鈴木 美咲", email="misaki@dejima.test")
    token = await api_token(live_server.url, owner.email, owner.password)
    project = await post(live_server.url, "/api/projects", token, {"title": "観光DX", "visibility": "public"})
    column = await post(
        live_server.url, f"/api/boards/{project['board_id']}/columns", token, {"title": "ToDo"}
    )
    card = await post(
        live_server.url,
        f"/api/boards/{project['board_id']}/cards",
        token,
        {"column_id": column["id"], "title": "除雪計画"},
    )
    comment = "@misaki 明日の除雪計画、確認をお願いします。"
    await post(live_server.url, f"/api/cards/{card['id']}/comments", token, {"body": comment})

    page = await (await new_context()).new_page()
    await sign_in(page, live_server.url, reader.email, reader.password)
    await page.goto(live_server.url + "/notifications")
    item = page.locator("#notification-list li").first
    await expect(item).to_contain_text("コメントで名前が挙がりました")
    await expect(item).to_contain_text("佐藤 淳一 さん: " + comment)
    link = item.get_by_role("link")
    await expect(link).to_have_attribute("href", f"/boards/{project['board_id']}?card={card['id']}")
    await assert_accessible(page)
    # Following it opens that card, with the comment, on its board.
    await link.click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_label("タイトル")).to_have_value("除雪計画")
    await expect(dialog.locator("[data-comments] li")).to_contain_text(comment)
