"""The board page's tools, by keyboard, in Japanese and English (issues 13, 15 and 16): the filter kept
in the URL and announced, column rename and delete in the page's own dialogs, the archived cards
searched and restored while others archive. One board per test, changed by "the other person" through
the API while the page is open."""

from __future__ import annotations

import datetime
from typing import Any

from playwright.async_api import Dialog, Page, expect

from tests.browser.conftest import AccountFactory, ContextFactory, LiveServer, assert_accessible
from tests.browser.test_board import Setup, _board, _call, _open, _titles


async def _patch(server: LiveServer, setup: Setup, title: str, **fields: Any) -> None:
    card_id = setup.cards[title]
    card = await _call(server, setup.token, "GET", f"/api/cards/{card_id}")
    await _call(server, setup.token, "PATCH", f"/api/cards/{card_id}", {"version": card["version"], **fields})


async def _add(server: LiveServer, setup: Setup, column: str, title: str, **fields: Any) -> str:
    body = {"column_id": setup.columns[column], "title": title, **fields}
    card: dict[str, Any] = await _call(
        server, setup.token, "POST", f"/api/boards/{setup.board_id}/cards", body
    )
    return str(card["id"])


def _shown(page: Page) -> Any:
    return page.locator(".board-card:visible .board-card__title")


async def _choose(page: Page, select: str, steps: int) -> None:
    """Pick an option of a <select> by keyboard (focus, then ↓ as many times as needed)."""
    await page.locator(select).focus()
    await page.keyboard.press("Home")
    for _ in range(steps):
        await page.keyboard.press("ArrowDown")


async def _no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= await page.evaluate("innerWidth"), width


async def test_the_filter_narrows_the_board_keeps_to_the_url_and_follows_live_changes(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup = await _board(live_server, make_account)
    today = datetime.date.today().isoformat()
    await _patch(live_server, setup, "A1", labels=["広報"], due="2020-01-06")
    await _patch(live_server, setup, "A2", assignees=[setup.editor.id])
    await _patch(live_server, setup, "B1", due=today)
    page = await (await new_context()).new_page()
    await _open(page, live_server, setup.owner, setup.board_id)
    search = page.get_by_role("search", name="カードの絞り込み")
    count = page.locator("[data-filter-count]")
    await expect(count).to_be_hidden()

    # Text: case and width do not matter ("ａ" finds "A1").
    await search.get_by_label("文字", exact=True).focus()
    await page.keyboard.type("ａ")
    await expect(_shown(page)).to_have_text(["A1", "A2", "A3"])
    await expect(count).to_have_text("3 / 5 件のカードを表示")
    await expect(page.locator("#status")).to_have_text("3 / 5 件のカードを表示")
    await _choose(page, "#filter-label", 1)  # すべて → 広報
    await expect(_shown(page)).to_have_text(["A1"])
    assert "label=" in page.url and "q=" in page.url, page.url

    # A reload keeps it; live changes are filtered too.
    await page.reload()
    await expect(page.locator("body")).to_have_attribute("data-board-live", "live")
    await expect(_shown(page)).to_have_text(["A1"])
    await expect(search.get_by_label("文字", exact=True)).to_have_value("ａ")
    await expect(search.get_by_label("ラベル", exact=True)).to_have_value("広報")
    await _add(live_server, setup, "やること", "A4")
    await _add(live_server, setup, "作業中", "A5", labels=["広報"])
    await expect(_titles(page, "作業中 （カード 3 枚）")).to_have_count(3)
    await expect(_shown(page)).to_have_text(["A1", "A5"])
    await expect(count).to_have_text("2 / 7 件のカードを表示")
    await assert_accessible(page)

    # One button clears everything (and says so); the focus goes back to the text field.
    await page.get_by_role("button", name="絞り込みを解除").focus()
    await page.keyboard.press("Enter")
    await expect(_shown(page)).to_have_count(7)
    await expect(search.get_by_label("文字", exact=True)).to_be_focused()
    await expect(page.locator("#status")).to_contain_text("絞り込みを解除しました")
    assert "label=" not in page.url and "q=" not in page.url, page.url

    # Due: overdue, this week, none; the assignee.
    await _choose(page, "#filter-due", 1)
    await expect(_shown(page)).to_have_text(["A1"])
    await _choose(page, "#filter-due", 2)
    await expect(_shown(page)).to_have_text(["B1"])
    await _choose(page, "#filter-due", 3)
    await expect(_shown(page)).to_have_count(5)
    await expect(page.locator(".board-card:visible", has_text="A1")).to_have_count(0)
    await _choose(page, "#filter-due", 0)
    await search.get_by_label("担当者", exact=True).focus()
    await page.keyboard.type("Ken")
    await expect(_shown(page)).to_have_text(["A2"])
    assert f"assignee={setup.editor.id}" in page.url

    # In English: the same filter, its count in words.
    await page.locator("a[data-locale=en]").click()
    await expect(count).to_have_text("1 of 7 cards shown")
    await expect(page.get_by_role("search", name="Filter the cards").get_by_label("Assignee")).to_have_value(
        setup.editor.id
    )


async def _column_menu(page: Page, column_id: str, item: str) -> None:
    await page.locator(f"[data-focus='column-menu:{column_id}']").focus()
    await page.keyboard.press("Enter")
    menu = page.get_by_role("menu")
    await expect(menu).to_be_visible()
    while not await menu.get_by_role("menuitem", name=item).evaluate("(n) => n === document.activeElement"):
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")


async def test_columns_are_renamed_and_deleted_in_the_pages_own_dialogs(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup = await _board(live_server, make_account)
    page = await (await new_context()).new_page()
    browser_dialogs: list[str] = []  # prompt() and confirm() are what this replaces

    async def on_dialog(dialog: Dialog) -> None:
        browser_dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    await _open(page, live_server, setup.owner, setup.board_id)
    doing = setup.columns["作業中"]

    await _column_menu(page, doing, "名前を変更")
    dialog = page.get_by_role("dialog", name="「作業中」の名前を変更")
    await expect(dialog).to_be_visible()
    field = dialog.get_by_label("列の名前")
    await expect(field).to_be_focused()
    await page.keyboard.press("Backspace")  # the name was selected: now empty
    await page.keyboard.press("Enter")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(field).to_have_accessible_description("列の名前を入力してください。")
    await expect(dialog).to_be_visible()
    await assert_accessible(page)
    await page.keyboard.press("Escape")  # Escape closes without a change; the focus goes back
    await expect(dialog).to_be_hidden()
    await expect(page.locator(f"[data-focus='column-menu:{doing}']")).to_be_focused()

    await _column_menu(page, doing, "名前を変更")
    await expect(field).not_to_have_attribute("aria-invalid", "true")
    await page.keyboard.type("進行中")
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_role("heading", name="進行中 （カード 2 枚）")).to_be_visible()
    await expect(page.locator(f"[data-focus='column-menu:{doing}']")).to_be_focused()

    # Delete: only an empty column; the dialog's first focus is the safe choice.
    await page.get_by_label("新しい列").focus()
    await page.keyboard.type("空き")
    await page.keyboard.press("Enter")
    heading = page.get_by_role("heading", name="空き （カード 0 枚）")
    await expect(heading).to_be_visible()
    empty_id = await page.locator(".board-column", has=heading).get_attribute("data-column-id")
    assert empty_id
    await _column_menu(page, empty_id, "削除（カードがない列のみ）")
    confirm = page.get_by_role("dialog", name="列「空き」を削除しますか？")
    await expect(confirm.get_by_role("button", name="キャンセル")).to_be_focused()
    await page.keyboard.press("Tab")  # the focus stays inside the dialog: round to the first control
    await expect(confirm.get_by_role("button", name="列を削除")).to_be_focused()
    await page.keyboard.press("Shift+Tab")
    await expect(confirm.get_by_role("button", name="キャンセル")).to_be_focused()
    await expect(confirm).to_have_accessible_description(
        "この列にはカードがありません。削除すると元に戻せません。"
    )
    await assert_accessible(page)
    # Meanwhile someone puts a card in it: the error shows in the dialog, nothing is lost.
    await _call(
        live_server,
        setup.token,
        "POST",
        f"/api/boards/{setup.board_id}/cards",
        {"column_id": empty_id, "title": "滑り込み"},
    )
    await page.keyboard.press("Shift+Tab")
    await page.keyboard.press("Enter")
    await expect(confirm.get_by_role("alert")).to_contain_text("この列にはカードがあるため削除できません")
    await page.keyboard.press("Escape")
    await expect(page.locator(f"[data-focus='column-menu:{empty_id}']")).to_be_focused()
    card_id = await page.locator(".board-card", has_text="滑り込み").get_attribute("data-card-id")
    await _call(live_server, setup.token, "POST", f"/api/cards/{card_id}/archive", {})
    await expect(page.get_by_role("heading", name="空き （カード 0 枚）")).to_be_visible()
    await _column_menu(page, empty_id, "削除（カードがない列のみ）")
    await page.keyboard.press("Shift+Tab")
    await page.keyboard.press("Enter")
    await expect(confirm).to_be_hidden()
    await expect(heading).to_have_count(0)
    await expect(page.locator("#status")).to_contain_text("列「空き」を削除しました")

    # English.
    await page.locator("a[data-locale=en]").click()
    # The switch happens in the page: wait until the board is drawn again in English.
    await expect(page.get_by_role("heading", name="進行中 (2 cards)")).to_be_visible()
    await _column_menu(page, doing, "Rename")
    english = page.get_by_role("dialog", name="Rename “進行中”")
    await page.keyboard.press("Backspace")
    await page.keyboard.press("Enter")
    await expect(english.get_by_label("Column name")).to_have_accessible_description(
        "Enter a name for the column."
    )
    await assert_accessible(page)
    await page.keyboard.press("Escape")
    assert browser_dialogs == []


async def test_archived_cards_are_listed_searched_and_restored_live(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup = await _board(live_server, make_account)
    for title in ("A1", "A2"):
        await _call(live_server, setup.token, "POST", f"/api/cards/{setup.cards[title]}/archive", {})
    page = await (await new_context(locale="en-US", viewport={"width": 360, "height": 740})).new_page()
    await _open(page, live_server, setup.editor, setup.board_id)
    await page.goto(page.url + "?due=none")  # a filter in use (every card matches): its count shows too
    await page.locator("a[data-locale=en]").click()
    await expect(page.locator("[data-filter-count]")).to_have_text("3 of 3 cards shown")
    await page.get_by_text("Archived cards", exact=True).focus()
    await page.keyboard.press("Enter")
    archived = page.locator("[data-archived-list] .board-archived__title")
    await expect(archived).to_have_text(["A2", "A1"])
    # Someone else archives a card while the list is open: it appears.
    await _call(live_server, setup.token, "POST", f"/api/cards/{setup.cards['B2']}/archive", {})
    await expect(archived).to_have_text(["B2", "A2", "A1"])
    await expect(_titles(page, "作業中 (1 cards)")).to_have_text(["B1"])

    await page.get_by_label("Search archived cards by title").focus()
    await page.keyboard.type("a2")
    await expect(archived).to_have_text(["A2"])
    await expect(page.locator("[data-archived-count]")).to_have_text("1 of 3")
    await _no_sideways_scroll(page)
    await assert_accessible(page)
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Restore “A2”")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(_titles(page, "やること (2 cards)")).to_have_text(["A2", "A3"])
    await expect(archived).to_have_count(0)
    await page.get_by_label("Search archived cards by title").fill("")
    await expect(archived).to_have_text(["B2", "A1"])
