"""The board page as people work in it (issue 13; API.md, "Pages people use"): two people in two
browser profiles on two app instances, a viewer, a partner who has not joined, a phone and 200% zoom."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from playwright.async_api import Page, expect

from tests.browser.conftest import (
    AccountFactory,
    BrowserAccount,
    ContextFactory,
    LiveServer,
    LiveServerFactory,
    assert_accessible,
)
from tests.browser.test_board import Setup, _board, _call, _open, _titles, _token

HEX_ID = re.compile(r"\b[0-9a-f]{24}\b")
EMOJI = r"/\p{Extended_Pictographic}/u"


async def _two_pages(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> tuple[Setup, LiveServer, LiveServer, Page, Page]:
    """The owner (佐藤 淳一) on one instance, the editor (Ken Tanaka) on another, same board."""
    first, second = await make_live_server(), await make_live_server()
    setup = await _board(first, make_account)
    mine = await (await new_context()).new_page()
    theirs = await (await new_context()).new_page()
    await _open(mine, first, setup.owner, setup.board_id)
    await _open(theirs, second, setup.editor, setup.board_id)
    return setup, first, second, mine, theirs


async def _renders(page: Page) -> dict[str, int]:
    result: dict[str, int] = await page.evaluate("window.dejimaBoard.renders()")
    return result


async def _patch_card(server: LiveServer, token: str, card_id: str, **fields: Any) -> None:
    """Someone else edits a card (through the API, at its current version)."""
    card = await _call(server, token, "GET", f"/api/cards/{card_id}")
    await _call(server, token, "PATCH", f"/api/cards/{card_id}", {"version": card["version"], **fields})


def _card(page: Page, card_id: str) -> Any:
    return page.locator(f"[data-card-id='{card_id}']")


async def test_what_one_person_types_survives_what_the_other_changes(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup, first, _, mine, theirs = await _two_pages(make_live_server, new_context, make_account)
    todo = setup.columns["やること"]
    field = theirs.locator(f"[data-focus='new:{todo}']")
    await field.click()
    await field.press_sequentially("半分まで書いた")
    before = await _renders(theirs)

    # The other person adds a card to that very column, moves one into it (by keyboard) and renames it.
    body = {"column_id": todo, "title": "A0", "after": None}
    await _call(first, setup.token, "POST", f"/api/boards/{setup.board_id}/cards", body)
    await mine.locator(f"[data-focus='card:{setup.cards['B1']}']").focus()
    await mine.keyboard.press("Alt+ArrowLeft")
    column = await _call(first, setup.token, "GET", f"/api/boards/{setup.board_id}")
    version = next(c["version"] for c in column["columns"] if c["id"] == todo)
    await _call(
        first, setup.token, "PATCH", f"/api/columns/{todo}", {"version": version, "title": "今週やること"}
    )
    await expect(_titles(theirs, "今週やること （カード 5 枚）")).to_have_count(5)

    await expect(field).to_have_value("半分まで書いた")
    await expect(field).to_be_focused()
    after = await _renders(theirs)
    assert after["full"] == before["full"], (before, after)  # patched, never redrawn
    assert after["patch"] >= before["patch"] + 3
    # Only the nodes of the card added and the card moved went into a list: B2, left behind at the top
    # of 作業中, stayed where it was (a card someone hovers, drags or reads is not taken out and back).
    assert after["moved"] == before["moved"] + 2, (before, after)
    await theirs.keyboard.type("の続き")
    await theirs.keyboard.press("Enter")
    await expect(_titles(mine, "今週やること （カード 6 枚）").last).to_have_text("半分まで書いたの続き")

    # An open dialog: their description in progress stays, the title someone else changed updates.
    await theirs.locator(f"[data-focus='card:{setup.cards['A2']}']").click()
    dialog = theirs.get_by_role("dialog")
    description = dialog.get_by_label("説明")
    await description.fill("途中の説明")
    await _patch_card(first, setup.token, setup.cards["A2"], title="A2 新")
    await expect(dialog.get_by_label("タイトル")).to_have_value("A2 新")
    await expect(description).to_have_value("途中の説明")
    await expect(description).to_be_focused()
    await expect(dialog).to_be_visible()
    assert (await _renders(theirs))["full"] == before["full"]


async def test_an_edit_conflict_shows_both_versions_and_lets_the_person_choose_per_field(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup, first, _, mine, theirs = await _two_pages(make_live_server, new_context, make_account)
    a1 = setup.cards["A1"]
    # Both people edit the same card at once; Ken saves first.
    await mine.locator(f"[data-focus='card:{a1}']").click()
    dialog = mine.get_by_role("dialog")
    await dialog.get_by_label("タイトル").fill("A1 佐藤")
    await dialog.get_by_label("説明").fill("佐藤の説明")
    await theirs.locator(f"[data-focus='card:{a1}']").click()
    their_dialog = theirs.get_by_role("dialog")
    await their_dialog.get_by_label("説明").fill("田中の説明")
    await their_dialog.get_by_role("button", name="保存").click()
    await expect(their_dialog.get_by_role("status")).to_contain_text("保存しました")

    await expect(dialog.get_by_label("説明")).to_have_value("佐藤の説明")  # not overwritten meanwhile
    await dialog.get_by_role("button", name="保存").click()
    choice = dialog.get_by_role("group", name="説明")
    await expect(choice).to_contain_text("佐藤の説明")
    await expect(choice).to_contain_text("田中の説明")
    await expect(dialog.get_by_role("group", name="タイトル")).to_have_count(0)  # only the clash
    await assert_accessible(mine)
    await choice.get_by_role("radio", name=re.compile("最新")).check()
    await expect(dialog.get_by_label("説明", exact=True)).to_have_value("田中の説明")
    await dialog.get_by_role("button", name="保存").click()
    await expect(dialog.locator("[data-conflict]")).to_be_hidden()
    final = await _call(first, setup.token, "GET", f"/api/cards/{a1}")
    assert (final["title"], final["description"]) == ("A1 佐藤", "田中の説明")


async def test_assignees_are_picked_by_keyboard_and_shown_with_names(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup, _, _, mine, theirs = await _two_pages(make_live_server, new_context, make_account)
    a2 = setup.cards["A2"]
    await mine.locator(f"[data-focus='card:{a2}']").focus()
    await mine.keyboard.press("Enter")
    dialog = mine.get_by_role("dialog")
    picker = dialog.get_by_role("combobox", name="担当者")
    await picker.focus()
    await mine.keyboard.type("ken")
    await expect(dialog.get_by_role("option", name=re.compile("Ken Tanaka"))).to_be_visible()
    await mine.keyboard.press("Enter")
    await expect(dialog.locator("[data-assignees]")).to_contain_text("Ken Tanaka")
    await expect(dialog).to_be_visible()  # Enter chose; it did not submit or close anything
    await assert_accessible(mine)
    await dialog.get_by_role("button", name="保存").focus()
    await mine.keyboard.press("Enter")

    tile = _card(theirs, a2)
    await expect(tile).to_contain_text("Ken Tanaka")
    await expect(tile.locator(".avatar")).to_have_text("KT")
    await theirs.get_by_role("button", name="自分が担当のカードだけ").click()
    await expect(theirs.locator(".board-card:visible .board-card__title")).to_have_text(["A2"])
    assert "mine=1" in theirs.url
    await theirs.reload()
    await expect(theirs.locator(".board-card:visible .board-card__title")).to_have_text(["A2"])


async def _dialog_inside(page: Page, width: int, height: int) -> None:
    box = await page.locator("dialog[open]").bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, box
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, scroll_width


async def test_no_sideways_scroll_on_a_phone_or_at_200_percent_and_dialogs_in_view(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup = await _board(live_server, make_account)
    # A phone; and 200% zoom of a 1280×800 window, which is what the browser does at that zoom: the
    # layout viewport becomes 640×400 CSS pixels drawn with 2 device pixels each (media queries too).
    screens = [
        (
            "phone",
            {
                "viewport": {"width": 360, "height": 740},
                "is_mobile": True,
                "has_touch": True,
                "device_scale_factor": 3,
            },
        ),
        ("200%", {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}),
    ]
    for locale in ("ja-JP", "en-US"):
        for name, options in screens:
            width, height = options["viewport"]["width"], options["viewport"]["height"]  # type: ignore[index]
            page = await (await new_context(locale=locale, **options)).new_page()
            await _open(page, live_server, setup.owner, setup.board_id)
            scroll_width = await page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, (locale, name, scroll_width)
            await page.locator(f"[data-focus='card:{setup.cards['A1']}']").click()
            await _dialog_inside(page, width, height)
            await page.keyboard.press("Escape")
            await page.locator(f"[data-focus='menu:{setup.cards['A1']}']").click()
            await page.locator(f"[data-focus='move:{setup.cards['A1']}']").click()
            await _dialog_inside(page, width, height)
            await assert_accessible(page)
            await page.keyboard.press("Escape")


async def _project(server: LiveServer, owner: BrowserAccount, visibility: str) -> dict[str, Any]:
    token = await _token(server, owner)
    body = {"title": "会津 観光", "summary": "", "visibility": visibility}
    project: dict[str, Any] = await _call(server, token, "POST", "/api/projects", body)
    column = await _call(
        server, token, "POST", f"/api/boards/{project['board_id']}/columns", {"title": "やること"}
    )
    body = {"column_id": column["id"], "title": "ポスター", "after": None}
    await _call(server, token, "POST", f"/api/boards/{project['board_id']}/cards", body)
    project["token"] = token
    return project


async def _no_editing_controls(page: Page) -> None:
    board = page.locator(".board-page")
    await expect(page.locator("[data-readonly]")).to_contain_text("閲覧のみ")
    await expect(board.get_by_role("button", name="列を追加")).to_have_count(0)
    await expect(board.get_by_role("textbox")).to_have_count(0)
    await expect(board.locator("[aria-haspopup=menu]")).to_have_count(0)
    await page.locator(".board-card__tile").first.click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("ポスター")
    await expect(dialog.get_by_role("textbox")).to_have_count(0)
    await expect(dialog.get_by_role("button", name="保存")).to_have_count(0)
    await assert_accessible(page)
    await page.keyboard.press("Escape")


async def test_people_who_may_not_change_the_board_see_it_read_only_until_approved(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    owner = await make_account("member", name="佐藤 淳一")
    viewer = await make_account("member", name="Yui Viewer")
    partner = await make_account("partner", name="Ken Partner")
    project = await _project(live_server, owner, "public")
    member_body = {"user_id": viewer.id, "role": "viewer"}
    await _call(live_server, project["token"], "POST", f"/api/projects/{project['id']}/members", member_body)

    page = await (await new_context()).new_page()
    await _open(page, live_server, viewer, project["board_id"])
    await _no_editing_controls(page)
    await expect(page.get_by_role("button", name="このプロジェクトへの参加を申し込む")).to_be_hidden()
    await page.locator("a[data-locale=en]").click()
    await expect(page.locator("[data-readonly]")).to_contain_text("View only")
    await expect(page.locator("[data-readonly]")).to_contain_text("You can see this board but not change it.")
    await assert_accessible(page)
    # The owner makes the viewer an editor: the open page follows, without a reload.
    await page.evaluate("window.stillTheSamePage = true")
    editor_body = {"user_id": viewer.id, "role": "editor"}
    await _call(live_server, project["token"], "POST", f"/api/projects/{project['id']}/members", editor_body)
    await expect(page.get_by_role("button", name="Add column")).to_be_visible()
    await expect(page.locator("[data-readonly]")).to_be_hidden()
    assert await page.evaluate("window.stillTheSamePage === true")

    page = await (await new_context()).new_page()
    await _open(page, live_server, partner, project["board_id"])
    await _no_editing_controls(page)
    await page.evaluate("window.stillTheSamePage = true")
    await page.get_by_role("button", name="このプロジェクトへの参加を申し込む").click()
    await expect(page.locator("[data-readonly]")).to_contain_text("承認待ち")
    requests = await _call(
        live_server, project["token"], "GET", f"/api/projects/{project['id']}/join-requests"
    )
    path = f"/api/projects/{project['id']}/join-requests/{requests[0]['id']}/approve"
    await _call(live_server, project["token"], "POST", path, {})

    await expect(page.get_by_role("button", name="列を追加")).to_be_visible()
    await expect(page.locator("[data-readonly]")).to_be_hidden()
    await expect(page.locator(".board-page [aria-haspopup=menu]").first).to_be_visible()
    assert await page.evaluate("window.stillTheSamePage === true")  # no reload
    await page.get_by_placeholder("新しいカード").fill("参加して最初のカード")
    await page.keyboard.press("Enter")
    await expect(page.locator(".board-card__title")).to_have_text(["ポスター", "参加して最初のカード"])


async def test_history_reads_as_sentences_with_titles_columns_and_names(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup, first, _, mine, _ = await _two_pages(make_live_server, new_context, make_account)
    a3 = setup.cards["A3"]
    await _patch_card(first, setup.token, a3, assignees=[setup.editor.id], due="2026-12-01", labels=["広報"])
    move = {"column_id": setup.columns["作業中"], "after": None}
    await _call(first, setup.token, "POST", f"/api/cards/{a3}/move", move)
    await _call(first, setup.token, "POST", f"/api/cards/{a3}/archive", {})
    await _call(first, setup.token, "POST", f"/api/cards/{a3}/restore", {})

    await mine.locator(f"[data-focus='card:{a3}']").click()
    history = mine.get_by_role("dialog").locator("[data-history]")
    await expect(history.locator("li")).to_have_count(5)
    text = await history.inner_text()
    for sentence in (
        "佐藤 淳一 さんがカード「A3」を「やること」に追加しました",
        "佐藤 淳一 さんが「A3」の担当者に Ken Tanaka さんを加えました",
        "佐藤 淳一 さんが「A3」の期限を 2026-12-01 にしました",
        "佐藤 淳一 さんが「A3」にラベル「広報」を付けました",
        "佐藤 淳一 さんがカード「A3」を「やること」から「作業中」へ移動しました",
        "佐藤 淳一 さんがカード「A3」をアーカイブしました",
        "佐藤 淳一 さんがカード「A3」を元に戻しました",
    ):
        assert sentence in text, text
    for developer_output in ("null", "false", "→", "column_id", '"'):
        assert developer_output not in text, text
    assert not HEX_ID.search(text), text

    await mine.keyboard.press("Escape")
    await mine.locator("a[data-locale=en]").click()
    await mine.locator(f"[data-focus='card:{a3}']").click()
    await expect(history).to_contain_text("佐藤 淳一 moved the card “A3” from “やること” to “作業中”")
    await expect(history).to_contain_text("佐藤 淳一 assigned Ken Tanaka to “A3”")
    assert not HEX_ID.search(await history.inner_text())


async def test_archiving_can_be_undone_and_archived_cards_restored(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup, _, _, mine, theirs = await _two_pages(make_live_server, new_context, make_account)
    await mine.locator(f"[data-focus='menu:{setup.cards['A1']}']").click()
    await mine.get_by_role("menuitem", name="アーカイブ").click()
    await expect(_titles(theirs, "やること")).to_have_text(["A2", "A3"])
    toast = mine.locator("[data-toast]")
    await expect(toast).to_contain_text("「A1」をアーカイブしました")
    await expect(toast.get_by_role("button", name="元に戻す")).to_be_focused()
    await mine.keyboard.press("Enter")
    await expect(_titles(theirs, "やること")).to_have_text(["A1", "A2", "A3"])
    await expect(toast).to_be_hidden()

    await mine.locator(f"[data-focus='menu:{setup.cards['A2']}']").click()
    await mine.get_by_role("menuitem", name="アーカイブ").click()
    await expect(_titles(theirs, "やること")).to_have_text(["A1", "A3"])
    await theirs.get_by_text("アーカイブしたカード", exact=True).click()
    archived = theirs.locator("[data-archived-list]")
    await expect(archived).to_contain_text("A2")
    await assert_accessible(theirs)
    await archived.get_by_role("button", name="「A2」を元に戻す").click()
    await expect(_titles(mine, "やること")).to_have_text(["A1", "A2", "A3"])
    await expect(theirs.locator("[data-archived-empty]")).to_be_visible()


async def test_cards_are_tiles_icons_are_svg_and_an_empty_board_says_how_to_start(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup, first, _, mine, theirs = await _two_pages(make_live_server, new_context, make_account)
    # A card: one focusable tile (plus its menu button), opening its dialog with Enter.
    tile = _card(mine, setup.cards["A1"])
    focusable = tile.locator("[tabindex='0'], button, a, input")
    await expect(focusable).to_have_count(2)
    await expect(tile).to_have_attribute("draggable", "true")
    await tile.locator("[data-focus^='card:']").focus()
    await mine.keyboard.press("Enter")
    await expect(mine.get_by_role("dialog")).to_be_visible()
    await mine.keyboard.press("Escape")
    assert not await mine.evaluate(f"{EMOJI}.test(document.body.innerText)")
    assert await mine.locator(".board-column__head svg").count() >= 2

    # Status messages float: a change by someone else does not push the board down.
    top = (await mine.locator("[data-columns]").bounding_box() or {})["y"]
    body = {"column_id": setup.columns["作業中"], "title": "B3", "after": setup.cards["B2"]}
    editor_token = await _token(first, setup.editor)
    await _call(first, editor_token, "POST", f"/api/boards/{setup.board_id}/cards", body)
    await expect(mine.get_by_role("status")).to_contain_text("B3")
    assert (await mine.locator("[data-columns]").bounding_box() or {})["y"] == top

    # A new board has no columns: the page says how to start and offers the usual three.
    project = await _project_without_columns(first, setup)
    await mine.goto(f"{first.url}/boards/{project['board_id']}")
    await expect(mine.get_by_role("heading", name="このボードにはまだ列がありません")).to_be_visible()
    await assert_accessible(mine)
    await theirs.goto(f"{first.url}/boards/{project['board_id']}")
    await mine.get_by_role("button", name="「やること・進行中・完了」の 3 列を作る").click()
    await expect(mine.locator(".board-column h2")).to_have_text(
        ["やること （カード 0 枚）", "進行中 （カード 0 枚）", "完了 （カード 0 枚）"]
    )
    await expect(theirs.locator(".board-column h2")).to_have_count(3)
    await expect(mine.locator("[data-empty]")).to_be_hidden()


async def _project_without_columns(server: LiveServer, setup: Setup) -> dict[str, Any]:
    body = {"title": "新しい取り組み", "summary": "", "visibility": "private"}
    project: dict[str, Any] = await _call(server, setup.token, "POST", "/api/projects", body)
    member = {"user_id": setup.editor.id, "role": "editor"}
    await _call(server, setup.token, "POST", f"/api/projects/{project['id']}/members", member)
    return project


async def test_presence_shows_full_names_and_the_hub_people_are_at(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    first, second = await make_live_server(), await make_live_server()
    setup = await _board(first, make_account)
    editor_token = await _token(second, setup.editor)
    await _call(second, editor_token, "POST", "/api/hubs/bandai/checkins", {})
    mine = await (await new_context()).new_page()
    theirs = await (await new_context()).new_page()
    await _open(mine, first, setup.owner, setup.board_id)
    await _open(theirs, second, setup.editor, setup.board_id)

    presence = mine.locator("[data-presence]")
    await expect(presence.locator("li")).to_have_count(2)
    await expect(presence).to_contain_text("Ken Tanaka（磐梯ハブ）")
    await expect(presence).to_contain_text("佐藤 淳一")
    await assert_accessible(mine)


async def test_the_live_state_follows_a_language_switch(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    setup = await _board(live_server, make_account)
    page = await (await new_context()).new_page()
    await _open(page, live_server, setup.owner, setup.board_id)
    await expect(page.locator("[data-live-state]")).to_have_text("最新の状態です")
    await page.locator("a[data-locale=en]").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("[data-live-state]")).to_have_text("Up to date")
    await expect(page.locator("[data-board-title]")).to_have_text("磐梯 DX")
    await assert_accessible(page)


async def test_the_board_and_who_is_signed_in_come_with_the_page(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    """The page brings the board and who is signed in (hub/web/shell.py's reads): its scripts draw
    the board without asking the API for either."""
    setup = await _board(live_server, make_account)
    page = await (await new_context()).new_page()
    await _open(page, live_server, setup.editor, setup.board_id)
    await expect(_titles(page, "作業中")).to_have_text(["B1", "B2"])
    await expect(page.locator("[data-user-name]")).to_have_text(setup.editor.name)
    asked = "performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)"
    entries = await page.evaluate(asked)
    for path in (f"/api/boards/{setup.board_id}", "/api/me"):
        assert path not in entries, entries
    assert await page.locator("script[data-read]").count() == 0  # taken once, then gone


# Each script and style the board page loaded, by URL, and how many bytes came over the network for
# it (0: taken from the browser's cache without asking the hub; a revalidation costs its headers).
LOADED = """() => performance.getEntriesByType("resource")
  .filter((entry) => entry.initiatorType === "script" || entry.initiatorType === "link"
    || entry.initiatorType === "other" || /\\.(js|css)$/.test(new URL(entry.name).pathname))
  .filter((entry) => new URL(entry.name).pathname.startsWith("/static/"))
  .map((entry) => [new URL(entry.name).pathname, entry.transferSize])"""


async def test_a_second_visit_takes_every_script_and_style_from_the_cache_one_copy_of_each(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    """Static files under versioned URLs (hub/web/assets.py): the board page's dozen modules come
    from the browser's cache on the next visit, and each module is loaded once (a module imported
    by an absolute /static/ path would come a second time, unversioned)."""
    owner = await make_account("member", name="佐藤 淳一")
    project = await _project(live_server, owner, "public")
    page = await (await new_context()).new_page()
    await _open(page, live_server, owner, project["board_id"])
    first: list[tuple[str, int]] = [tuple(pair) for pair in await page.evaluate(LOADED)]
    paths = [path for path, _ in first]
    versions = {re.match(r"/static/v/([0-9a-f]+)/", path).group(1) for path in paths}  # type: ignore[union-attr]
    assert len(versions) == 1, paths  # every one versioned, all the same version
    assert len(paths) == len(set(paths)), paths
    assert sum(path.endswith("/app.js") for path in paths) == 1
    assert len(paths) >= 10 and any(path.endswith("/pages/board.css") for path in paths)

    await page.goto("about:blank")
    await page.goto(f"{live_server.url}/boards/{project['board_id']}")
    await expect(page.locator("body")).to_have_attribute("data-board-live", "live")
    await expect(page.locator("[data-card-id]")).to_have_count(1)
    again = dict(tuple(pair) for pair in await page.evaluate(LOADED))
    assert set(again) == set(paths)
    assert {path: size for path, size in again.items() if size != 0} == {}


GROUP_SIZES = """(columnId) => Array.from(
  document.querySelectorAll(`[data-column-id="${columnId}"] .board-cards__group`),
  (group) => group.children.length)"""


async def test_a_long_column_is_one_list_kept_in_groups_that_split_as_cards_arrive(
    live_server: LiveServer, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    """A column's cards are kept in groups of about ten that chromium skips whole while out of sight
    (board_view.js). A screen reader still finds one list of every card; cards put one by one at the
    top of the column grow its first group, which is split when the page is idle, the order and the
    focus kept; the menu of a group's last card hangs over the next group and takes a click."""
    setup = await _board(live_server, make_account)
    todo = setup.columns["やること"]
    after = setup.cards["A3"]
    for number in range(4, 24):
        body = {"column_id": todo, "title": f"A{number}", "after": after}
        card = await _call(live_server, setup.token, "POST", f"/api/boards/{setup.board_id}/cards", body)
        after = card["id"]
    page = await (await new_context()).new_page()
    await _open(page, live_server, setup.owner, setup.board_id)
    column = page.get_by_role("list", name="やること")
    await expect(column.get_by_role("listitem")).to_have_count(23)
    assert await page.evaluate(GROUP_SIZES, todo) == [10, 10, 3]
    await assert_accessible(page)

    a2 = page.locator(f"[data-focus='card:{setup.cards['A2']}']")
    await a2.focus()
    before = await _renders(page)
    for number in range(12):  # someone else puts twelve cards at the top, one by one
        body = {"column_id": todo, "title": f"N{number}", "after": None}
        await _call(live_server, setup.token, "POST", f"/api/boards/{setup.board_id}/cards", body)
    await expect(column.get_by_role("listitem")).to_have_count(35)
    for _ in range(100):  # split when the page is idle: within a few seconds at most
        if (await _renders(page))["regrouped"]:
            break
        await asyncio.sleep(0.1)
    sizes = await page.evaluate(GROUP_SIZES, todo)
    assert sum(sizes) == 35 and max(sizes) <= 20, sizes
    board = await _call(live_server, setup.token, "GET", f"/api/boards/{setup.board_id}")
    wanted = [card["title"] for c in board["columns"] if c["id"] == todo for card in c["cards"]]
    await expect(_titles(page, "やること")).to_have_text(wanted)
    await expect(a2).to_be_focused()
    after = await _renders(page)
    assert after["full"] == before["full"], (before, after)  # patched, never redrawn
    assert after["moved"] == before["moved"] + 12, (before, after)  # the new cards only, then the split

    # The last card of the first group: its menu opens below it, over the next group, and is clicked.
    last = page.locator(f"[data-column-id='{todo}'] .board-cards__group >> nth=0").locator(".board-card").last
    title = await last.locator(".board-card__title").text_content()
    await last.get_by_role("button", name=f"「{title}」のメニュー").click()
    await page.get_by_role("menuitem", name="アーカイブ").click()
    await expect(column.get_by_role("listitem")).to_have_count(34)
    await expect(_titles(page, "やること").filter(has_text=re.compile(f"^{title}$"))).to_have_count(0)
