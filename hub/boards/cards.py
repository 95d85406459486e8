"""Cards of live boards: create, edit, move, archive and restore, each one event of ``board:{id}``.

The event's ``data`` is the whole card after the change; its ops Put the card and the card's history
entry (who, when, which fields from what to what), so history is as durable as the change itself.
"""

from __future__ import annotations

from typing import Any

from hub.boards import model
from hub.boards.due import DuePolicy, with_due
from hub.boards.follows import Follows, followed_by
from hub.boards.model import CARDS, HISTORY
from hub.boards.notices import ARCHIVED, DUE_CHANGED, MOVED, Notices
from hub.boards.reminders import arm_op
from hub.boards.service import BoardService, check_not_archived, check_version, invalid, nothing, reads
from hub.boards.store import BoardStore
from hub.doc import Doc
from hub.errors import Conflict
from hub.events.log import Decision, Unchanged, made
from hub.ids import idempotent_id, new_id
from hub.principal import Principal
from schemas.boards import CardCreate, CardMove, CardOut, CardPatch, CardVersion
from schemas.common import utc_now
from schemas.events import Change, Op, Put


class CardService:
    def __init__(
        self, *, boards: BoardService, store: BoardStore, notices: Notices, follows: Follows, due: DuePolicy
    ) -> None:
        self._boards = boards
        self._store = store
        self._notices = notices
        self._follows = follows
        self._due = due

    async def create_card(
        self, principal: Principal, board_id: str, body: CardCreate, *, idempotency_key: str | None
    ) -> CardOut:
        access = await self._boards.require_change(principal, board_id)
        await self._notices.check_assignees(access, body.assignees)
        card_id = idempotent_id(caller_id=principal.id, scope=f"card:{board_id}", key=idempotency_key)
        # Whom the card's history entry names to tell (from the request alone; none: nothing to look up).
        notify = self._notices.assigned(before=[], after=body.assignees, actor_id=principal.id)

        async def decide() -> Decision:
            # Only a retried key can find its id taken: a fresh random id needs no read.
            existing = await self._store.card_any(card_id) if idempotency_key else None
            if existing is not None:
                return Unchanged(existing)
            # What decide needs, read at once (one round trip, not one per read; none when the
            # column's ends are known at this head, hub/boards/ends.py).
            _, _, ends = await reads(
                self._store.live_column(board_id, body.column_id),
                self._store.require_room(board_id, card=True),
                self._store.column_ends(board_id, body.column_id),
            )
            after = None
            if body.after:
                last = None if ends is None else ends.last
                known = last is not None and last["_id"] == body.after and not last.get("archived")
                after = last if known else await self._store.live_card_in(body.column_id, body.after)
            position = await self._store.placement.card_after(
                body.column_id, after, moving_id=None, ends=ends
            )
            if not isinstance(position, str):
                return position
            now = model.stamp()
            doc = {
                "_id": card_id,
                "board_id": board_id,
                "column_id": body.column_id,
                "title": body.title,
                "description": body.description,
                "assignees": body.assignees,
                "labels": body.labels,
                "position": position,
                "version": 1,
                "archived": False,
                "created_at": now,
                "updated_at": now,
                "created_by": principal.id,
                "placed_at": now,
            }
            # Its creator and its assignees follow it from the start.
            doc = followed_by(with_due(doc, body.due, self._due.zone), principal.id, *body.assignees)
            return _card_change(
                "card.created", None, doc, principal, notify=notify, ops=_ops(arm_op(None, doc, self._due))
            )

        # Every read of this decide goes through the group's staged documents (store, placement).
        result = await self._boards.commit(board_id, decide, principal, grouped=True)
        if isinstance(result, Unchanged):
            assert result.doc is not None
            return model.card_out(result.doc)
        if notify:
            await self._notices.deliver_for(result)
        return CardOut.model_validate(result.data)

    async def patch_card(self, principal: Principal, card_id: str, body: CardPatch) -> CardOut:
        card = await self._boards.card_for_change(principal, card_id)
        board_id = card["board_id"]
        access = await self._boards.access(board_id)
        if body.assignees is not None:
            added = [user for user in body.assignees if user not in card.get("assignees", [])]
            await self._notices.check_assignees(access, added)
        fields = body.model_fields_set - {"version"}

        async def decide() -> Decision:
            current = await self._store.live_card(card_id)
            check_version(current, body.version, model.card_out)
            check_not_archived(current)
            doc = {**model.stored(current), "version": current["version"] + 1, "updated_at": model.stamp()}
            for name in fields:
                doc[name] = getattr(body, name)
            if "due" in fields:
                doc = with_due(doc, body.due, self._due.zone)
            # Whoever is assigned follows the card.
            doc = followed_by(doc, *doc["assignees"])
            notify = self._notices.assigned(
                before=current.get("assignees", []), after=doc["assignees"], actor_id=principal.id
            )
            if current.get("due") != doc.get("due"):
                told = {target["user_id"] for target in notify}
                watchers = await self._follows.watchers(doc, access, actor_id=principal.id)
                notify += [{"user_id": u, "kind": DUE_CHANGED} for u in watchers if u not in told]
            return _card_change(
                "card.updated",
                current,
                doc,
                principal,
                notify=notify,
                ops=_ops(arm_op(current, doc, self._due)),
            )

        event = made(await self._boards.commit(board_id, decide, principal))
        await self._notices.deliver_for(event)
        return CardOut.model_validate(event.data)

    async def move_card(self, principal: Principal, card_id: str, body: CardMove) -> CardOut:
        card = await self._boards.card_for_change(principal, card_id)
        board_id = card["board_id"]
        if body.after == card_id:
            raise invalid("after", "a card cannot be placed after itself")
        access = await self._boards.access(board_id)
        # Who hears of a move to another column, worked out before the board's turn (moves are the
        # busiest change; a follow that lands meanwhile counts from the next change on).
        across = body.column_id != card["column_id"]
        told = await self._follows.watchers(card, access, actor_id=principal.id) if across else None

        async def decide() -> Decision:
            # What decide needs, read at once; the errors keep their order (the card's come first).
            current, _, after = await reads(
                self._store.live_card(card_id),
                self._store.live_column(board_id, body.column_id),
                self._store.live_card_in(body.column_id, body.after) if body.after else nothing(),
                first=lambda current: _check_card(current, body.version),
            )
            position = await self._store.placement.card_after(body.column_id, after, moving_id=card_id)
            if not isinstance(position, str):
                return position
            now = model.stamp()
            doc = {
                **model.stored(current),
                "column_id": body.column_id,
                "position": position,
                "version": current["version"] + 1,
                "updated_at": now,
                "placed_at": now,
            }
            notify: list[dict[str, str]] = []
            if doc["column_id"] != current["column_id"]:
                # Followers hear of a move to another column, not of reordering within one.
                watchers = (
                    told
                    if told is not None
                    else await self._follows.watchers(doc, access, actor_id=principal.id)
                )
                notify = [{"user_id": u, "kind": MOVED} for u in watchers]
            return _card_change("card.moved", current, doc, principal, notify=notify)

        event = made(await self._boards.commit(board_id, decide, principal))
        await self._notices.deliver_for(event)
        return CardOut.model_validate(event.data)

    async def archive_card(self, principal: Principal, card_id: str, body: CardVersion) -> CardOut:
        return await self._set_archived(principal, card_id, body, archived=True)

    async def restore_card(self, principal: Principal, card_id: str, body: CardVersion) -> CardOut:
        return await self._set_archived(principal, card_id, body, archived=False)

    async def _set_archived(
        self, principal: Principal, card_id: str, body: CardVersion, *, archived: bool
    ) -> CardOut:
        card = await self._boards.card_for_change(principal, card_id)
        board_id = card["board_id"]
        access = await self._boards.access(board_id)

        async def decide() -> Decision:
            current = await self._store.live_card(card_id)
            if body.version is not None:
                check_version(current, body.version, model.card_out)
            if bool(current.get("archived")) == archived:
                raise Conflict("the card is already archived" if archived else "the card is not archived")
            if not archived:
                await self._store.require_room(board_id, card=True)
            doc = {
                **model.stored(current),
                "archived": archived,
                "version": current["version"] + 1,
                "updated_at": model.stamp(),
            }
            if not archived and await self._store.column(current["column_id"]) is None:
                # Its column was deleted meanwhile: it comes back at the top of the first column.
                first = await self._store.first_column(board_id)
                if first is None:
                    raise Conflict("the board has no column to restore the card into")
                doc["column_id"] = first["_id"]
                position = await self._store.placement.card_after(first["_id"], None, moving_id=card_id)
                if not isinstance(position, str):
                    return position
                doc["position"] = position
            notify: list[dict[str, str]] = []
            if archived:
                watchers = await self._follows.watchers(doc, access, actor_id=principal.id)
                notify = [{"user_id": u, "kind": ARCHIVED} for u in watchers]
            event = "card.archived" if archived else "card.restored"
            return _card_change(event, current, doc, principal, notify=notify)

        result = made(await self._boards.commit(board_id, decide, principal))
        await self._notices.deliver_for(result)
        return CardOut.model_validate(result.data)


def _check_card(current: Doc, version: int | None) -> None:
    if version is not None:
        check_version(current, version, model.card_out)
    check_not_archived(current)


def _card_change(
    event: str,
    before: Doc | None,
    after: Doc,
    principal: Principal,
    *,
    notify: list[dict[str, str]] | None = None,
    extra: Doc | None = None,
    ops: list[Op] | None = None,
) -> Change:
    """The card's event, with its history entry as a second op of the same event (and ``ops``, such
    as re-arming its due reminders, after them)."""
    changes = model.diff(None if before is None else model.card_fields(before), model.card_fields(after))
    entry = history_entry(
        card=after, event=event, principal=principal, changes=changes, notify=notify or [], extra=extra
    )
    return Change(
        event=event,
        data=model.card_out(after).model_dump(mode="json"),
        ops=[Put(collection=CARDS, doc=after), Put(collection=HISTORY, doc=entry), *(ops or [])],
    )


# What a card holds (its checklist and attachments: hub/boards/checklists.py, attachments.py)
# changes the card through the very same event and history entry.
card_change = _card_change


def _ops(op: Op | None) -> list[Op]:
    return [] if op is None else [op]


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
