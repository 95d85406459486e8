"""The header's search box (API.md, "Finding and reminding"): by keyboard alone, in Japanese and
English, results that say which project, Enter opens the card on its board; on a phone it folds
behind the menu button; axe clean. On the board page: a Trello import arriving live, the CSV link."""

from __future__ import annotations

import aiohttp
from playwright.async_api import Page, expect

from tests.boards.test_export_import import FIXTURE
from tests.browser.conftest import (
    AccountFactory,
    LiveServer,
    assert_accessible,
    has_horizontal_scroll,
    sign_in,
)
from tests.browser.test_board import _board, _call


async def test_the_search_box_by_keyboard(
    live_server: LiveServer, page: Page, make_account: AccountFactory
) -> None:
    setup = await _board(live_server, make_account)
    column = setup.columns["やること"]
    card = await _call(
        live_server,
        setup.token,
        "POST",
        f"/api/boards/{setup.board_id}/cards",
        {"column_id": column, "title": "地域防災訓練"},
    )
    await _call(
        live_server,
        setup.token,
        "POST",
        f"/api/boards/{setup.board_id}/cards",
        {"column_id": column, "title": "防災マップ"},
    )
    await sign_in(page, live_server.url, setup.owner.email, setup.owner.password)
    await page.goto(live_server.url + "/")

    box = page.get_by_role("combobox", name="カードを検索")
    await box.focus()
    await page.keyboard.type("防災")
    options = page.get_by_role("listbox", name="見つかったカード").get_by_role("option")
    await expect(options).to_have_count(2)
    await expect(options.first).to_contain_text("防災マップ")  # newest change first
    await expect(options.first).to_contain_text("磐梯 DX")  # which project (and so which board)
    await expect(page.locator("[data-site-search-status]")).to_have_text("2 件のカードが見つかりました。")
    await assert_accessible(page)

    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowDown")
    await expect(box).to_have_attribute("aria-activedescendant", "site-search-option-1")
    await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**/boards/{setup.board_id}?card={card['id']}")
    await expect(page.locator("#card-dialog")).to_be_visible()
    await expect(page.locator("[data-card-heading]")).to_have_text("地域防災訓練")
    await page.keyboard.press("Escape")

    # A Trello import into this open board arrives live, batch by batch, without a reload; archived
    # cards stay off the board.
    await expect(page.locator("body")).to_have_attribute("data-board-live", "live")
    project = (await _call(live_server, setup.token, "GET", f"/api/boards/{setup.board_id}"))["project_id"]
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{live_server.url}/api/projects/{project}/import/trello",
            data=FIXTURE.read_bytes(),
            headers={"Authorization": f"Bearer {setup.token}", "Content-Type": "application/json"},
        ) as response,
    ):
        assert response.status == 201, await response.text()
    await expect(page.locator("[data-card-id]", has_text="地域防災訓練の会場を予約する")).to_be_visible()
    await expect(page.locator("[data-card-id]", has_text="報告書を提出")).to_be_visible()
    await expect(page.locator("[data-card-id]", has_text="古い案（取り下げ）")).to_have_count(0)
    await assert_accessible(page)  # imported cards carry labels, due dates, checklists

    # The board page's download link: the CSV a spreadsheet opens (UTF-8 with a BOM).
    href = await page.get_by_role("link", name="CSV（Excel 用）").get_attribute("href")
    assert href == f"/api/boards/{setup.board_id}/export?format=csv"
    download = await page.request.get(live_server.url + href)
    assert download.ok and (await download.body()).startswith("\ufeffid,column,title".encode())

    # English, and a phone's width: nothing scrolls sideways.
    await page.goto(live_server.url + "/locale/en?next=/")
    await page.set_viewport_size({"width": 360, "height": 740})
    box = page.get_by_role("combobox", name="Search cards")
    await expect(box).to_be_hidden()  # folded with the menu, so the header stays two rows
    await page.get_by_role("button", name="Menu").click()
    await box.fill("マップ")
    await expect(page.get_by_role("option")).to_have_count(1)
    await expect(page.locator("[data-site-search-status]")).to_have_text("Cards found: 1.")
    assert not await has_horizontal_scroll(page)
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("listbox")).to_be_hidden()
    await box.fill("存在しない言葉")
    await expect(page.locator("[data-site-search-status]")).to_have_text("No card found.")
    await assert_accessible(page)
