"""The live board page in chromium: two people on two app instances see each other's moves at once,
by drag and drop and by keyboard alone; the page is accessible and usable on a 360 px phone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from playwright.async_api import Page, expect

from tests.browser.conftest import (
    AccountFactory,
    BrowserAccount,
    ContextFactory,
    LiveServer,
    LiveServerFactory,
    assert_accessible,
    has_horizontal_scroll,
    sign_in,
)


@dataclass
class Setup:
    board_id: str
    columns: dict[str, str]  # title → id
    cards: dict[str, str]  # title → id
    owner: BrowserAccount
    editor: BrowserAccount
    token: str


async def _call(server: LiveServer, token: str, method: str, path: str, body: Any = None) -> Any:
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {token}"}
        async with session.request(method, server.url + path, json=body, headers=headers) as response:
            assert response.status < 300, await response.text()
            return await response.json() if response.status != 204 else None


async def _token(server: LiveServer, account: BrowserAccount) -> str:
    async with aiohttp.ClientSession() as session:
        body = {"email": account.email, "password": account.password}
        async with session.post(server.url + "/api/auth/login", json=body) as response:
            return str((await response.json())["token"])


async def _board(server: LiveServer, make_account: AccountFactory) -> Setup:
    owner = await make_account("member", name="佐藤 淳一")
    editor = await make_account("partner", name="Ken Tanaka")
    token = await _token(server, owner)
    project = await _call(
        server, token, "POST", "/api/projects", {"title": "磐梯 DX", "summary": "", "visibility": "private"}
    )
    await _call(
        server,
        token,
        "POST",
        f"/api/projects/{project['id']}/members",
        {"user_id": editor.id, "role": "editor"},
    )
    board_id = project["board_id"]
    columns: dict[str, str] = {}
    cards: dict[str, str] = {}
    for title, card_titles in (("やること", ["A1", "A2", "A3"]), ("作業中", ["B1", "B2"])):
        column = await _call(server, token, "POST", f"/api/boards/{board_id}/columns", {"title": title})
        columns[title] = column["id"]
        after = None
        for card_title in card_titles:
            body = {"column_id": column["id"], "title": card_title, "after": after}
            card = await _call(server, token, "POST", f"/api/boards/{board_id}/cards", body)
            cards[card_title] = after = card["id"]
    return Setup(board_id=board_id, columns=columns, cards=cards, owner=owner, editor=editor, token=token)


def _titles(page: Page, column_title: str) -> Any:
    column = page.locator(".board-column", has=page.get_by_role("heading", name=column_title, level=2))
    return column.locator(".board-card__title")


async def _open(page: Page, server: LiveServer, account: BrowserAccount, board_id: str) -> None:
    await sign_in(page, server.url, account.email, account.password)
    await page.goto(f"{server.url}/boards/{board_id}")
    await expect(page.locator("body")).to_have_attribute("data-board-live", "live")


async def test_a_card_dragged_in_one_page_appears_in_place_in_the_other(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    first, second = await make_live_server(), await make_live_server()
    setup = await _board(first, make_account)
    mine = await (await new_context()).new_page()
    theirs = await (await new_context()).new_page()
    await _open(mine, first, setup.owner, setup.board_id)
    await _open(theirs, second, setup.editor, setup.board_id)
    await expect(_titles(theirs, "作業中")).to_have_text(["B1", "B2"])

    # Drop A1 on the lower half of B1: it goes right after B1.
    target = mine.locator(f"[data-card-id='{setup.cards['B1']}']")
    await expect(target).to_be_visible()
    box = await target.bounding_box()
    assert box is not None
    await mine.drag_and_drop(
        f"[data-card-id='{setup.cards['A1']}']",
        f"[data-card-id='{setup.cards['B1']}']",
        target_position={"x": box["width"] / 2, "y": box["height"] * 0.8},
    )
    await expect(_titles(mine, "作業中")).to_have_text(["B1", "A1", "B2"])
    await expect(_titles(theirs, "作業中")).to_have_text(["B1", "A1", "B2"])
    await expect(_titles(theirs, "やること")).to_have_text(["A2", "A3"])
    await expect(theirs.get_by_role("status")).to_contain_text("佐藤 淳一")
    await expect(theirs.locator(f"[data-card-id='{setup.cards['A1']}']")).to_have_class(
        "board-card board-card--flash"
    )

    # Columns move by dragging too.
    await mine.drag_and_drop(
        f"[data-column-id='{setup.columns['作業中']}'] .board-column__head",
        f"[data-column-id='{setup.columns['やること']}'] h2",
    )
    await expect(theirs.locator(".board-column h2")).to_have_text(
        ["作業中 （カード 3 枚）", "やること （カード 2 枚）"]
    )
    await assert_accessible(mine)
    await assert_accessible(theirs)


async def test_the_same_moves_by_keyboard_only(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    first, second = await make_live_server(), await make_live_server()
    setup = await _board(first, make_account)
    mine = await (await new_context()).new_page()
    theirs = await (await new_context()).new_page()
    await _open(mine, first, setup.owner, setup.board_id)
    await _open(theirs, second, setup.editor, setup.board_id)

    title = mine.locator(f"[data-focus='card:{setup.cards['A1']}']")
    await title.focus()
    await mine.keyboard.press("Alt+ArrowDown")
    await expect(_titles(theirs, "やること")).to_have_text(["A2", "A1", "A3"])
    await expect(mine.locator(f"[data-focus='card:{setup.cards['A1']}']")).to_be_focused()
    await mine.keyboard.press("Alt+ArrowRight")
    await expect(_titles(theirs, "作業中")).to_have_text(["B1", "A1", "B2"])
    await expect(mine.get_by_role("status")).to_contain_text("作業中")

    # The "Move…" dialog from the card's menu, driven by keys: A1 to the top of やること.
    await mine.keyboard.press("Tab")  # from the card's tile to its menu button
    await expect(mine.locator(f"[data-focus='menu:{setup.cards['A1']}']")).to_be_focused()
    await mine.keyboard.press("Enter")
    await mine.keyboard.press("ArrowDown")  # "開く", then "移動…"
    await expect(mine.locator(f"[data-focus='move:{setup.cards['A1']}']")).to_be_focused()
    await mine.keyboard.press("Enter")
    dialog = mine.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    await assert_accessible(mine)
    await dialog.get_by_label("列").select_option(label="やること")
    await dialog.get_by_label("位置").select_option(label="いちばん上")
    await dialog.get_by_role("button", name="ここへ移動").press("Enter")
    await expect(_titles(theirs, "やること")).to_have_text(["A1", "A2", "A3"])
    await expect(mine.locator(f"[data-focus='card:{setup.cards['A1']}']")).to_be_focused()


async def test_card_detail_merges_edits_of_different_fields_and_shows_who_edits(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    first, second = await make_live_server(), await make_live_server()
    setup = await _board(first, make_account)
    mine = await (await new_context()).new_page()
    theirs = await (await new_context()).new_page()
    await _open(mine, first, setup.owner, setup.board_id)
    await _open(theirs, second, setup.editor, setup.board_id)
    await expect(theirs.locator("[data-presence] li")).to_have_count(2)

    await mine.locator(f"[data-focus='card:{setup.cards['A2']}']").click()
    await expect(
        theirs.locator(f"[data-card-id='{setup.cards['A2']}'] .board-card__editing")
    ).to_contain_text("佐藤 淳一")
    # Someone else changes the description meanwhile; this page then saves a new title.
    card = await _call(first, setup.token, "GET", f"/api/cards/{setup.cards['A2']}")
    await _call(
        second,
        setup.token,
        "PATCH",
        f"/api/cards/{setup.cards['A2']}",
        {"version": card["version"], "description": "他の人の説明"},
    )
    dialog = mine.get_by_role("dialog")
    await dialog.get_by_label("タイトル").fill("A2 改")
    await dialog.get_by_role("button", name="保存").click()
    await expect(_titles(theirs, "やること")).to_have_text(["A1", "A2 改", "A3"])
    final = await _call(first, setup.token, "GET", f"/api/cards/{setup.cards['A2']}")
    assert (final["title"], final["description"]) == ("A2 改", "他の人の説明")
    await dialog.get_by_label("コメントを書く（@名前 で知らせたい人を指定できます）").fill("<b>確認</b> @Ken")
    await dialog.get_by_role("button", name="コメントする").click()
    await expect(dialog.locator("[data-comments] li")).to_contain_text("<b>確認</b> @Ken")
    history = dialog.locator("[data-history] li")  # newest first: the comment, then the edits
    await expect(history.nth(0)).to_contain_text("佐藤 淳一 さんがコメントしました")
    await expect(history.nth(1)).to_contain_text("佐藤 淳一 さんがタイトルを「A2」から「A2 改」に変えました")
    await assert_accessible(mine)


async def test_recovers_after_a_dropped_connection_and_works_at_360_px(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup = await _board(live_server, make_account)
    phone = await (await new_context(viewport={"width": 360, "height": 740})).new_page()
    await _open(phone, live_server, setup.editor, setup.board_id)
    assert not await has_horizontal_scroll(phone)
    await assert_accessible(phone)
    await phone.evaluate("window.dejimaBoard.drop()")
    body = {"column_id": setup.columns["作業中"], "title": "while away", "after": setup.cards["B2"]}
    await _call(live_server, setup.token, "POST", f"/api/boards/{setup.board_id}/cards", body)
    await expect(_titles(phone, "作業中")).to_have_text(["B1", "B2", "while away"])
    await expect(phone.locator("body")).to_have_attribute("data-board-live", "live")

    # Away longer than events are kept: the first missed event is gone, so the server answers
    # recovered: false and the page reloads the snapshot quietly, showing nothing stale.
    held = await phone.evaluate("window.dejimaBoard.board().seq")
    await phone.evaluate("window.dejimaBoard.pause()")
    await expect(phone.locator("body")).to_have_attribute("data-board-live", "offline")
    for title in ("gone 1", "gone 2"):
        body = {"column_id": setup.columns["やること"], "title": title, "after": None}
        await _call(live_server, setup.token, "POST", f"/api/boards/{setup.board_id}/cards", body)
    events = live_server.services.db["events"]
    removed = await events.delete_one({"ch": f"board:{setup.board_id}", "seq": held + 1})
    assert removed.deleted_count == 1
    await phone.evaluate("window.dejimaBoard.resume()")
    await expect(_titles(phone, "やること")).to_have_text(["gone 2", "gone 1", "A1", "A2", "A3"])
    assert await phone.evaluate("window.dejimaBoard.board().seq") == held + 2
