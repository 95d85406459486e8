"""Live boards: the board's snapshot, its columns, and what cards and comments share (rights, lookups,
committing to the event log of ``board:{id}``, respacing a column).

Design note: docs/boards.md. Every change is one ``EventLog.commit``: ``decide`` reads the state as of
the channel's head, checks versions and neighbours, and returns the event (``data``: the whole
resource after the change) with Put ops of the resource (and, for cards, of its history entry).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from hub.boards import model, ordering, positions
from hub.boards.access import BoardDirectory
from hub.boards.model import CARDS, COLUMNS, Doc, channel_of, live
from hub.errors import Conflict, InvalidRequest, NotFound
from hub.events.log import EventLog, State
from hub.identity.principal import Principal
from hub.ids import idempotent_id
from hub.rights import ProjectAccess, Rights
from schemas.boards import (
    BoardOut,
    CardOut,
    ColumnCreate,
    ColumnMove,
    ColumnOut,
    ColumnPatch,
)
from schemas.events import Change, Delete, Event, Put

log = logging.getLogger(__name__)


class Existing(Exception):
    """A creation retried with the same Idempotency-Key: the resource is already there."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc


class _NeedsRebalance(Exception):
    def __init__(self, column_id: str) -> None:
        self.column_id = column_id


class BoardService:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        events: EventLog,
        rights: Rights,
        directory: BoardDirectory,
        max_position_chars: int = positions.MAX_POSITION_CHARS,
    ) -> None:
        self._db = db
        self._events = events
        self._rights = rights
        self._directory = directory
        self._columns = db[COLUMNS]
        self._cards = db[CARDS]
        self.max_position_chars = max_position_chars

    async def ensure_indexes(self) -> None:
        await model.ensure_indexes(self._db)

    # --- reading ----------------------------------------------------------------------------------

    async def snapshot(self, principal: Principal, board_id: str) -> BoardOut:
        access = await self._directory.access_for_board(board_id)
        self._rights.require_read_project(principal, access)
        board = await self._directory.board(board_id)

        async def read_state() -> State:
            columns = await self._columns.find({"board_id": board_id}).to_list()
            cards = await self._cards.find({"board_id": board_id}).to_list()
            return {COLUMNS: {d["_id"]: d for d in columns}, CARDS: {d["_id"]: d for d in cards}}

        state, seq = await self._events.read(channel_of(board_id), read_state)
        return BoardOut(
            id=board.id,
            project_id=board.project_id,
            title=board.title,
            seq=seq,
            columns=model.board_columns(state),
        )

    async def archived_cards(self, principal: Principal, board_id: str) -> list[CardOut]:
        access = await self._directory.access_for_board(board_id)
        self._rights.require_read_project(principal, access)
        await self._events.catch_up(channel_of(board_id))
        docs = await self._cards.find({"board_id": board_id, "archived": True, "_deleted": False}).to_list()
        docs.sort(key=lambda doc: doc["updated_at"], reverse=True)
        return [model.card_out(doc) for doc in docs]

    async def card(self, principal: Principal, card_id: str) -> CardOut:
        doc = await self.card_for_reading(principal, card_id)
        await self._events.catch_up(channel_of(doc["board_id"]))
        return model.card_out(await self.live_card(card_id))

    async def card_for_reading(self, principal: Principal, card_id: str) -> Doc:
        """The card, when the caller may read its board (else ``NotFound``)."""
        doc = live(await self._cards.find_one({"_id": card_id}))
        if doc is None:
            raise NotFound("no such card")
        access = await self._directory.access_for_board(doc["board_id"])
        if not self._rights.may_read_project(principal, access):
            raise NotFound("no such card")
        return doc

    async def card_for_change(self, principal: Principal, card_id: str) -> Doc:
        doc = await self.card_for_reading(principal, card_id)
        access = await self._directory.access_for_board(doc["board_id"])
        self._rights.require_change_board(principal, access)
        return doc

    # --- columns ----------------------------------------------------------------------------------

    async def create_column(
        self, principal: Principal, board_id: str, body: ColumnCreate, *, idempotency_key: str | None
    ) -> ColumnOut:
        await self.require_change(principal, board_id)
        column_id = idempotent_id(caller_id=principal.id, scope=f"column:{board_id}", key=idempotency_key)
        at_end = "after" not in body.model_fields_set

        async def decide() -> Change:
            existing = await self._columns.find_one({"_id": column_id})
            if existing is not None:
                raise Existing(existing)
            scope = {"board_id": board_id}
            if at_end:
                position = await ordering.position_last(self._columns, scope=scope)
            else:
                after = await self.live_column(board_id, body.after) if body.after else None
                position = await ordering.position_after(self._columns, scope=scope, after=after)
            now = model.stamp()
            doc = {
                "_id": column_id,
                "board_id": board_id,
                "title": body.title,
                "position": position,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "placed_at": now,
            }
            return _column_change("column.created", doc)

        try:
            event = await self.commit(board_id, decide, principal)
        except Existing as existing:
            return model.column_out(existing.doc)
        return ColumnOut.model_validate(event.data)

    async def patch_column(self, principal: Principal, column_id: str, body: ColumnPatch) -> ColumnOut:
        board_id = await self._column_board_for_change(principal, column_id)

        async def decide() -> Change:
            current = await self.live_column(board_id, column_id, missing=NotFound)
            check_version(current, body.version, model.column_out)
            doc = {**model.stored(current), "version": current["version"] + 1, "updated_at": model.stamp()}
            if body.title is not None:
                doc["title"] = body.title
            return _column_change("column.updated", doc)

        return ColumnOut.model_validate((await self.commit(board_id, decide, principal)).data)

    async def move_column(self, principal: Principal, column_id: str, body: ColumnMove) -> ColumnOut:
        board_id = await self._column_board_for_change(principal, column_id)
        if body.after == column_id:
            raise invalid("after", "a column cannot be placed after itself")

        async def decide() -> Change:
            current = await self.live_column(board_id, column_id, missing=NotFound)
            if body.version is not None:
                check_version(current, body.version, model.column_out)
            after = await self.live_column(board_id, body.after) if body.after else None
            position = await ordering.position_after(
                self._columns, scope={"board_id": board_id}, after=after, moving_id=column_id
            )
            now = model.stamp()
            doc = {
                **model.stored(current),
                "position": position,
                "version": current["version"] + 1,
                "updated_at": now,
                "placed_at": now,
            }
            return _column_change("column.moved", doc)

        return ColumnOut.model_validate((await self.commit(board_id, decide, principal)).data)

    async def delete_column(self, principal: Principal, column_id: str) -> ColumnOut:
        board_id = await self._column_board_for_change(principal, column_id)

        async def decide() -> Change:
            current = await self.live_column(board_id, column_id, missing=NotFound)
            holding = await self._cards.find_one(
                {"column_id": column_id, "archived": False, "_deleted": False}, projection={"_id": 1}
            )
            if holding is not None:
                raise Conflict("the column still holds cards: move or archive them first")
            data = model.column_out(current).model_dump(mode="json")
            return Change(event="column.deleted", data=data, ops=[Delete(collection=COLUMNS, id=column_id)])

        return ColumnOut.model_validate((await self.commit(board_id, decide, principal)).data)

    # --- helpers ----------------------------------------------------------------------------------

    async def access(self, board_id: str) -> ProjectAccess:
        return await self._directory.access_for_board(board_id)

    def collection(self, name: str) -> AsyncCollection[Doc]:
        """A collection of boards (comments and history live next to cards)."""
        return self._db[name]

    async def commit(
        self, board_id: str, decide: Callable[[], Awaitable[Change]], principal: Principal
    ) -> Event:
        """Commit a change of the board; a column whose keys grew too long is respaced first."""
        for _ in range(3):
            try:
                return await self._events.commit(channel_of(board_id), decide, actor=principal.actor)
            except _NeedsRebalance as needed:
                await self._rebalance(board_id, needed.column_id, principal)
        raise Conflict("the column is being reordered by many people at once; try again")

    async def _rebalance(self, board_id: str, column_id: str, principal: Principal) -> None:
        """Respace every card of one column in one event (``column.rebalanced``)."""

        async def decide() -> Change:
            column = await self.live_column(board_id, column_id, missing=NotFound)
            cards = await self._cards.find({"column_id": column_id, "_deleted": False}).to_list()
            cards.sort(key=lambda doc: (doc["position"], doc["_id"]))
            docs = [
                {**model.stored(card), "position": key}
                for card, key in zip(cards, positions.spread(len(cards)), strict=True)
            ]
            data: dict[str, Any] = model.column_out(column).model_dump(mode="json")
            data["cards"] = [
                model.card_out(doc).model_dump(mode="json") for doc in docs if not doc["archived"]
            ]
            return Change(
                event="column.rebalanced", data=data, ops=[Put(collection=CARDS, doc=doc) for doc in docs]
            )

        event = await self._events.commit(channel_of(board_id), decide, actor=principal.actor)
        log.info("rebalanced column %s of board %s at #%d", column_id, board_id, event.seq)

    async def card_position(self, column_id: str, after: Doc | None, *, moving_id: str | None) -> str:
        position = await ordering.position_after(
            self._cards, scope={"column_id": column_id}, after=after, moving_id=moving_id
        )
        if len(position) > self.max_position_chars:
            raise _NeedsRebalance(column_id)
        return position

    async def require_change(self, principal: Principal, board_id: str) -> ProjectAccess:
        access = await self._directory.access_for_board(board_id)
        self._rights.require_change_board(principal, access)
        return access

    async def _column_board_for_change(self, principal: Principal, column_id: str) -> str:
        doc = live(await self._columns.find_one({"_id": column_id}))
        if doc is None:
            raise NotFound("no such column")
        access = await self._directory.access_for_board(doc["board_id"])
        if not self._rights.may_read_project(principal, access):
            raise NotFound("no such column")
        self._rights.require_change_board(principal, access)
        return str(doc["board_id"])

    async def live_column(self, board_id: str, column_id: str, *, missing: type[Exception] = Conflict) -> Doc:
        doc = await self._columns.find_one({"_id": column_id})
        if doc is None or doc["board_id"] != board_id:
            raise NotFound("no such column on this board")
        if doc.get("_deleted"):
            raise missing("the column was deleted")
        return doc

    async def live_card(self, card_id: str) -> Doc:
        doc = live(await self._cards.find_one({"_id": card_id}))
        if doc is None:
            raise NotFound("no such card")
        return doc

    async def live_card_in(self, column_id: str, card_id: str) -> Doc:
        doc = live(await self._cards.find_one({"_id": card_id}))
        if doc is None or doc["column_id"] != column_id or doc.get("archived"):
            raise Conflict(
                "the card to place this one after is no longer in that column",
                details={"after": card_id, "column_id": column_id},
            )
        return doc


def check_version(current: Doc, version: int, out: Callable[[Doc], Any]) -> None:
    if current["version"] != version:
        raise Conflict(
            f"changed meanwhile: version {version} is stale, the current one is {current['version']}",
            extra={"current": out(current).model_dump(mode="json")},
        )


def check_not_archived(current: Doc) -> None:
    if current.get("archived"):
        raise Conflict(
            "the card is archived: restore it first",
            extra={"current": model.card_out(current).model_dump(mode="json")},
        )


def invalid(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        message, details={"fields": [{"path": field, "message": message, "type": "value_error"}]}
    )


def _column_change(event: str, doc: Doc) -> Change:
    return Change(
        event=event,
        data=model.column_out(doc).model_dump(mode="json"),
        ops=[Put(collection=COLUMNS, doc=doc)],
    )
