"""A card's checklist and attachments in the board page (issue 15): by keyboard alone, and live in
another person's window on another instance; the dialog stays accessible."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.conftest import (
    AccountFactory,
    ContextFactory,
    LiveServerFactory,
    assert_accessible,
    choose_files,
    has_horizontal_scroll,
)
from tests.browser.test_board import _board, _call, _open


async def test_checklist_and_attachment_by_keyboard_live_in_the_other_window(
    make_live_server: LiveServerFactory, new_context: ContextFactory, make_account: AccountFactory
) -> None:
    first, second = await make_live_server(), await make_live_server()
    setup = await _board(first, make_account)
    mine = await (await new_context()).new_page()
    theirs = await (await new_context()).new_page()
    await _open(mine, first, setup.owner, setup.board_id)
    await _open(theirs, second, setup.editor, setup.board_id)
    card_id = setup.cards["A1"]
    for page in (mine, theirs):
        await page.locator(f"[data-focus='card:{card_id}']").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#card-dialog")).to_be_visible()

    # A checklist item, added and ticked by keyboard; the other window follows at once.
    await mine.locator("#checklist-new").focus()
    await mine.keyboard.type("書類をスキャン")
    await mine.keyboard.press("Enter")
    item = theirs.locator("[data-checklist] li")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text("書類をスキャン")
    item_id = await item.get_attribute("data-item-id")
    box = mine.locator(f"[data-part-focus='tick:{item_id}']")
    await box.focus()
    await mine.keyboard.press("Space")
    await expect(theirs.locator(f"[data-part-focus='tick:{item_id}']")).to_be_checked()
    await expect(theirs.locator(f"[data-card-id='{card_id}'] .board-card__facts")).to_contain_text("1/1")
    await expect(box).to_be_focused()  # the re-render kept the focus on the ticked item

    # A file attached by keyboard: the file button, Space, the chooser. First this window has its own
    # tick back from the server too (its redraw would otherwise land between the focus and the key).
    await expect(mine.locator(f"[data-card-id='{card_id}'] .board-card__facts")).to_contain_text("1/1")
    await expect(mine.locator(f"[data-part-focus='tick:{item_id}']")).to_be_checked()
    await mine.bring_to_front()
    file_button = mine.locator("#attachment-file")
    await file_button.focus()
    await expect(file_button).to_be_focused()
    await choose_files(
        mine,
        file_button,
        {"name": "議事録.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% minutes\n"},
    )
    listed = theirs.locator("[data-attachments] li")
    await expect(listed).to_have_count(1)
    await expect(listed).to_contain_text("議事録.pdf")
    await expect(mine.locator("[data-attachments] li a")).to_be_focused()
    await assert_accessible(mine)
    await assert_accessible(theirs)

    # A file dropped on another card's tile opens that card and attaches to it.
    await mine.keyboard.press("Escape")
    other_id = setup.cards["A2"]
    await mine.evaluate(
        """(id) => {
            const tile = document.querySelector(`[data-card-id='${id}'] .board-card__tile`);
            const data = new DataTransfer();
            data.items.add(new File(["hello"], "memo.txt", { type: "text/plain" }));
            for (const kind of ["dragover", "drop"]) {
                const init = { bubbles: true, cancelable: true, dataTransfer: data };
                tile.dispatchEvent(new DragEvent(kind, init));
            }
        }""",
        other_id,
    )
    await expect(mine.locator("#card-dialog [data-attachments] li")).to_contain_text("memo.txt")
    facts = theirs.locator(f"[data-card-id='{other_id}'] .board-card__facts")
    await expect(facts).to_contain_text("1")

    # A due date ticked off by keyboard is struck through on the other person's tile.
    card = await _call(first, setup.token, "GET", f"/api/cards/{other_id}")
    await _call(
        first,
        setup.token,
        "PATCH",
        f"/api/cards/{other_id}",
        {"version": card["version"], "due": "2026-12-01"},
    )
    await expect(mine.locator("#card-due")).to_have_value("2026-12-01")
    await mine.locator("#card-due-done").focus()
    await mine.keyboard.press("Space")
    await mine.locator("[data-save]").focus()
    await mine.keyboard.press("Enter")
    await expect(theirs.locator(f"[data-card-id='{other_id}'] .board-card__fact--done")).to_be_visible()
    # On a 360 px phone the open card, its checklist and its files fit without sideways scrolling.
    await mine.set_viewport_size({"width": 360, "height": 740})
    assert not await has_horizontal_scroll(mine)
