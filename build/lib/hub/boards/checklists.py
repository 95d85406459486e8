"""A card's checklist: add, edit, tick, move and delete items (API.md 1.1, "Cards: checklists").

The checklist lives in the card document (``checklist: [{id, text, done, position}]``), so each change
is one ``card.updated`` event of the card's board carrying the whole card, with its history entry,
exactly like an edit of the card's title: a subscriber on any instance sees the same list in the same
order. Items are ordered by the fractional keys of hub/boards/positions.py; a checklist holds at most
``MAX_CHECKLIST_ITEMS``, so the neighbours are found in the card itself and a key that grew too long
respaces the whole list within the same event.
"""

from __future__ import annotations

from collections.abc import Callable

from hub.boards import model
from hub.boards.cards import card_change
from hub.boards.model import CARD_PARTS
from hub.boards.positions import MAX_POSITION_CHARS, key_between, spread
from hub.boards.service import BoardService, check_not_archived, invalid
from hub.boards.store import BoardStore
from hub.doc import Doc
from hub.errors import Conflict, NotFound
from hub.events.log import Decision, made
from hub.ids import new_id
from hub.limits import MAX_CHECKLIST_ITEMS
from hub.principal import Principal
from schemas.boards import ChecklistItemCreate, ChecklistItemOut, ChecklistItemPatch
from schemas.events import Delete, Put

# What a decide does to the checklist (in display order): → the new list and the item concerned.
Edit = Callable[[list[Doc]], tuple[list[Doc], Doc | None]]


class ChecklistService:
    def __init__(self, *, boards: BoardService, store: BoardStore) -> None:
        self._boards = boards
        self._store = store

    async def add_item(
        self, principal: Principal, card_id: str, body: ChecklistItemCreate
    ) -> ChecklistItemOut:
        await self._boards.card_for_change(principal, card_id)
        item_id = new_id()
        # ``after`` absent: at the end; null: at the top (API.md).
        at_end = "after" not in body.model_fields_set

        def edit(items: list[Doc]) -> tuple[list[Doc], Doc | None]:
            if len(items) >= MAX_CHECKLIST_ITEMS:
                raise Conflict(
                    f"a card holds at most {MAX_CHECKLIST_ITEMS} checklist items",
                    details={"limit": "checklist_items", "max": MAX_CHECKLIST_ITEMS},
                )
            item = {"id": item_id, "text": body.text, "done": False, "position": ""}
            after = items[-1]["id"] if at_end and items else None if at_end else body.after
            return _place(items, item, after), item

        return await self._change(principal, card_id, item_id, edit)

    async def patch_item(
        self, principal: Principal, item_id: str, body: ChecklistItemPatch
    ) -> ChecklistItemOut:
        card_id = await self._card_of(principal, item_id)
        fields = body.model_fields_set
        if body.after == item_id:
            raise invalid("after", "an item cannot be placed after itself")

        def edit(items: list[Doc]) -> tuple[list[Doc], Doc | None]:
            item = _find(items, item_id)
            changed = {**item}
            if "text" in fields:
                changed["text"] = body.text
            if "done" in fields:
                changed["done"] = body.done
            if "after" not in fields:
                return [changed if other["id"] == item_id else other for other in items], changed
            rest = [other for other in items if other["id"] != item_id]
            return _place(rest, changed, body.after), changed

        return await self._change(principal, card_id, item_id, edit)

    async def delete_item(self, principal: Principal, item_id: str) -> None:
        card_id = await self._card_of(principal, item_id)

        def edit(items: list[Doc]) -> tuple[list[Doc], Doc | None]:
            _find(items, item_id)
            return [other for other in items if other["id"] != item_id], None

        await self._change(principal, card_id, item_id, edit)

    async def _card_of(self, principal: Principal, item_id: str) -> str:
        """The id of the card holding the item, when the caller may change its board."""
        found = await self._store.card_part(item_id, "checklist")
        if found is None:
            raise NotFound("no such checklist item")
        try:
            await self._boards.card_for_change(principal, found["card_id"])
        except NotFound:
            raise NotFound("no such checklist item") from None
        return str(found["card_id"])

    async def _change(self, principal: Principal, card_id: str, item_id: str, edit: Edit) -> ChecklistItemOut:
        card = await self._boards.card_for_change(principal, card_id)
        board_id = card["board_id"]
        result: list[Doc | None] = [None]

        async def decide() -> Decision:
            current = await self._store.live_card(card_id)
            check_not_archived(current)
            items, item = edit(model.checklist_of(current))
            result[0] = item
            added = item is not None and all(other["id"] != item_id for other in current.get("checklist", []))
            doc = {
                **model.stored(current),
                "checklist": items,
                "version": current["version"] + 1,
                "updated_at": model.stamp(),
            }
            change = card_change("card.updated", current, doc, principal)
            if added:
                change.ops.append(Put(collection=CARD_PARTS, doc=model.part(item_id, current, "checklist")))
            elif item is None:
                change.ops.append(Delete(collection=CARD_PARTS, id=item_id))
            return change

        event = made(await self._boards.commit(board_id, decide, principal))
        item = result[0]
        if item is None:  # a deletion: nothing to answer
            return ChecklistItemOut(id=item_id, text="", done=False, position="")
        # The item as the committed card holds it (its position may have been respaced).
        return ChecklistItemOut.model_validate(_find(event.data["checklist"], item_id))


def _find(items: list[Doc], item_id: str) -> Doc:
    for item in items:
        if item["id"] == item_id:
            return item
    # Deleted meanwhile (the card was found by the item a moment before the decide).
    raise NotFound("no such checklist item")


def _place(items: list[Doc], item: Doc, after: str | None) -> list[Doc]:
    """The list (in order, without ``item``) with ``item`` placed right after ``after`` (None: top)."""
    index = 0
    if after is not None:
        ids = [other["id"] for other in items]
        if after not in ids:
            raise invalid("after", "no such item in this checklist")
        index = ids.index(after) + 1
    below = items[index - 1]["position"] if index > 0 else None
    above = items[index]["position"] if index < len(items) else None
    key = key_between(below, above, lean="down" if after is not None else "middle")
    placed = [*items[:index], {**item, "position": key}, *items[index:]]
    if len(key) > MAX_POSITION_CHARS:
        # Respaced in the same event: the list is small and lives in one document.
        placed = [
            {**other, "position": fresh} for other, fresh in zip(placed, spread(len(placed)), strict=True)
        ]
    return placed
