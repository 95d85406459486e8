"""Cards of live boards: create, edit, move, archive and restore, each one event of ``board:{id}``.

The event's ``data`` is the whole card after the change; its ops Put the card and the card's history
entry (who, when, which fields from what to what), so history is as durable as the change itself.
"""

from __future__ import annotations

from typing import Any

from hub.boards import model
from hub.boards.model import CARDS, COLUMNS, HISTORY, Doc, live
from hub.boards.notices import Notices
from hub.boards.service import BoardService, Existing, check_not_archived, check_version, invalid
from hub.errors import Conflict
from hub.identity.principal import Principal
from hub.ids import idempotent_id, new_id
from schemas.boards import CardCreate, CardMove, CardOut, CardPatch, CardVersion
from schemas.common import utc_now
from schemas.events import Change, Put


class CardService:
    def __init__(self, *, boards: BoardService, notices: Notices) -> None:
        self._boards = boards
        self._notices = notices
        self._cards = boards.collection(CARDS)
        self._columns = boards.collection(COLUMNS)

    async def create_card(
        self, principal: Principal, board_id: str, body: CardCreate, *, idempotency_key: str | None
    ) -> CardOut:
        access = await self._boards.require_change(principal, board_id)
        await self._notices.check_assignees(access, body.assignees)
        card_id = idempotent_id(caller_id=principal.id, scope=f"card:{board_id}", key=idempotency_key)

        async def decide() -> Change:
            # Only a retried key can find its id taken: a fresh random id needs no read.
            existing = await self._cards.find_one({"_id": card_id}) if idempotency_key else None
            if existing is not None:
                raise Existing(existing)
            await self._boards.live_column(board_id, body.column_id)
            await self._boards.require_room(board_id, card=True)
            after = await self._boards.live_card_in(body.column_id, body.after) if body.after else None
            position = await self._boards.card_position(body.column_id, after, moving_id=None)
            now = model.stamp()
            doc = {
                "_id": card_id,
                "board_id": board_id,
                "column_id": body.column_id,
                "title": body.title,
                "description": body.description,
                "assignees": body.assignees,
                "labels": body.labels,
                "due": None if body.due is None else body.due.isoformat(),
                "position": position,
                "version": 1,
                "archived": False,
                "created_at": now,
                "updated_at": now,
                "created_by": principal.id,
                "placed_at": now,
            }
            notify = self._notices.assigned(before=[], after=body.assignees, actor_id=principal.id)
            return _card_change("card.created", None, doc, principal, notify=notify)

        try:
            event = await self._boards.commit(board_id, decide, principal)
        except Existing as existing:
            return model.card_out(existing.doc)
        await self._notices.deliver_for(event)
        return CardOut.model_validate(event.data)

    async def patch_card(self, principal: Principal, card_id: str, body: CardPatch) -> CardOut:
        card = await self._boards.card_for_change(principal, card_id)
        board_id = card["board_id"]
        if body.assignees is not None:
            access = await self._boards.access(board_id)
            added = [user for user in body.assignees if user not in card.get("assignees", [])]
            await self._notices.check_assignees(access, added)
        fields = body.model_fields_set - {"version"}

        async def decide() -> Change:
            current = await self._boards.live_card(card_id)
            check_version(current, body.version, model.card_out)
            check_not_archived(current)
            doc = {**model.stored(current), "version": current["version"] + 1, "updated_at": model.stamp()}
            for name in fields:
                value = getattr(body, name)
                doc[name] = value.isoformat() if name == "due" and value is not None else value
            notify = self._notices.assigned(
                before=current.get("assignees", []), after=doc["assignees"], actor_id=principal.id
            )
            return _card_change("card.updated", current, doc, principal, notify=notify)

        event = await self._boards.commit(board_id, decide, principal)
        await self._notices.deliver_for(event)
        return CardOut.model_validate(event.data)

    async def move_card(self, principal: Principal, card_id: str, body: CardMove) -> CardOut:
        card = await self._boards.card_for_change(principal, card_id)
        board_id = card["board_id"]
        if body.after == card_id:
            raise invalid("after", "a card cannot be placed after itself")

        async def decide() -> Change:
            current = await self._boards.live_card(card_id)
            if body.version is not None:
                check_version(current, body.version, model.card_out)
            check_not_archived(current)
            await self._boards.live_column(board_id, body.column_id)
            after = await self._boards.live_card_in(body.column_id, body.after) if body.after else None
            position = await self._boards.card_position(body.column_id, after, moving_id=card_id)
            now = model.stamp()
            doc = {
                **model.stored(current),
                "column_id": body.column_id,
                "position": position,
                "version": current["version"] + 1,
                "updated_at": now,
                "placed_at": now,
            }
            return _card_change("card.moved", current, doc, principal)

        return CardOut.model_validate((await self._boards.commit(board_id, decide, principal)).data)

    async def archive_card(self, principal: Principal, card_id: str, body: CardVersion) -> CardOut:
        return await self._set_archived(principal, card_id, body, archived=True)

    async def restore_card(self, principal: Principal, card_id: str, body: CardVersion) -> CardOut:
        return await self._set_archived(principal, card_id, body, archived=False)

    async def _set_archived(
        self, principal: Principal, card_id: str, body: CardVersion, *, archived: bool
    ) -> CardOut:
        card = await self._boards.card_for_change(principal, card_id)
        board_id = card["board_id"]

        async def decide() -> Change:
            current = await self._boards.live_card(card_id)
            if body.version is not None:
                check_version(current, body.version, model.card_out)
            if bool(current.get("archived")) == archived:
                raise Conflict("the card is already archived" if archived else "the card is not archived")
            if not archived:
                await self._boards.require_room(board_id, card=True)
            doc = {
                **model.stored(current),
                "archived": archived,
                "version": current["version"] + 1,
                "updated_at": model.stamp(),
            }
            if not archived and live(await self._columns.find_one({"_id": current["column_id"]})) is None:
                # Its column was deleted meanwhile: it comes back at the top of the first column.
                first = await self._columns.find_one(
                    {"board_id": board_id, "_deleted": False}, sort=[("position", 1)]
                )
                if first is None:
                    raise Conflict("the board has no column to restore the card into")
                doc["column_id"] = first["_id"]
                doc["position"] = await self._boards.card_position(first["_id"], None, moving_id=card_id)
            return _card_change("card.archived" if archived else "card.restored", current, doc, principal)

        return CardOut.model_validate((await self._boards.commit(board_id, decide, principal)).data)


def _card_change(
    event: str,
    before: Doc | None,
    after: Doc,
    principal: Principal,
    *,
    notify: list[dict[str, str]] | None = None,
    extra: Doc | None = None,
) -> Change:
    """The card's event, with its history entry as a second op of the same event."""
    changes = model.diff(None if before is None else model.card_fields(before), model.card_fields(after))
    entry = history_entry(
        card=after, event=event, principal=principal, changes=changes, notify=notify or [], extra=extra
    )
    return Change(
        event=event,
        data=model.card_out(after).model_dump(mode="json"),
        ops=[Put(collection=CARDS, doc=after), Put(collection=HISTORY, doc=entry)],
    )


def history_entry(
    *,
    card: Doc,
    event: str,
    principal: Principal,
    changes: dict[str, Any],
    notify: list[dict[str, str]],
    extra: Doc | None = None,
) -> Doc:
    return {
        "_id": new_id(),
        "card_id": card["_id"],
        "board_id": card["board_id"],
        "card_title": card["title"],
        "event": event,
        "actor": principal.actor.model_dump(),
        "at": utc_now(),
        "changes": changes,
        "notify": notify,
        "has_notify": bool(notify),
        **(extra or {}),
    }
