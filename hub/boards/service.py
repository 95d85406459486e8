"""Live boards: the board's snapshot, and what columns, cards and comments share (rights, lookups,
committing to the event log of ``board:{id}``, respacing a column).

Design note: docs/boards.md. Every change is one ``EventLog.commit``: ``decide`` reads the state as of
the channel's head, checks versions and neighbours, and returns the event (``data``: the whole
resource after the change) with Put ops of the resource (and, for cards, of its history entry).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from hub.boards import model
from hub.boards.access import BoardDirectory, BoardInfo
from hub.boards.model import CARDS, COLUMNS, channel_of, live
from hub.boards.positions import Placement
from hub.boards.snapshot import BoardSnapshot, read_compact_state
from hub.doc import Doc
from hub.errors import Conflict, InvalidRequest, NotFound
from hub.events.log import Decide, EventLog, Unchanged
from hub.limits import MAX_CARDS_PER_BOARD, MAX_COLUMNS_PER_BOARD
from hub.principal import Principal
from hub.rights import ProjectAccess, Rights
from schemas.boards import CardOut
from schemas.events import Event

log = logging.getLogger(__name__)


class BoardService:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        events: EventLog,
        rights: Rights,
        directory: BoardDirectory,
    ) -> None:
        self._db = db
        self._events = events
        self._rights = rights
        self._directory = directory
        self._columns = db[COLUMNS]
        self._cards = db[CARDS]
        # Where cards and columns go (hub/boards/positions.py), for the decides of cards and columns.
        self.placement = Placement(cards=self._cards, columns=self._columns)

    async def ensure_indexes(self) -> None:
        """Indexes, and the data migrations of boards (idempotent; run at every start)."""
        await model.ensure_indexes(self._db)
        migrated = await model.migrate_times(self._db)
        if migrated:
            log.info("boards: %d cards and columns now store their times as datetimes", migrated)

    # --- reading ----------------------------------------------------------------------------------

    async def snapshot(self, principal: Principal, board_id: str) -> BoardSnapshot:
        access = await self._directory.access_for_board(board_id)
        self._rights.require_read_project(principal, access)
        board = await self._directory.board(board_id)
        state, seq = await self._events.read(
            channel_of(board_id), lambda: read_compact_state(self._columns, self._cards, board_id)
        )
        return BoardSnapshot(
            id=board.id, project_id=board.project_id, title=board.title, seq=seq, state=state
        )

    async def board_info(self, principal: Principal, board_id: str) -> BoardInfo:
        """The board (id, project, title), when the caller may read it."""
        access = await self._directory.access_for_board(board_id)
        self._rights.require_read_project(principal, access)
        return await self._directory.board(board_id)

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
        """The card, when the caller may change its board (``NotFound`` if they may not read it)."""
        doc = live(await self._cards.find_one({"_id": card_id}))
        if doc is None:
            raise NotFound("no such card")
        access = await self._directory.access_for_board(doc["board_id"])
        if not self._rights.may_read_project(principal, access):
            raise NotFound("no such card")
        self._rights.require_change_board(principal, access)
        return doc

    # --- helpers ----------------------------------------------------------------------------------

    async def access(self, board_id: str) -> ProjectAccess:
        return await self._directory.access_for_board(board_id)

    def collection(self, name: str) -> AsyncCollection[Doc]:
        """A collection of boards (comments and history live next to cards)."""
        return self._db[name]

    async def commit(self, board_id: str, decide: Decide, principal: Principal) -> Event | Unchanged:
        """Commit a change of the board: one event of ``board:{id}`` (writers take turns, injected
        into the log: hub/events/turns.py)."""
        return await self._events.commit(channel_of(board_id), decide, actor=principal.actor)

    async def require_change(self, principal: Principal, board_id: str) -> ProjectAccess:
        access = await self._directory.access_for_board(board_id)
        self._rights.require_change_board(principal, access)
        return access

    async def require_room(self, board_id: str, *, card: bool) -> None:
        """Refuse one more open card (or column) on a full board (hub/limits.py). Called inside
        ``decide``, so the count is the state at the head the change is decided against."""
        if card:
            collection, most, limit = self._cards, MAX_CARDS_PER_BOARD, "cards_per_board"
            scope: Doc = {"board_id": board_id, "archived": False, "_deleted": False}
            what = "cards that are not archived"
        else:
            collection, most, limit = self._columns, MAX_COLUMNS_PER_BOARD, "columns_per_board"
            scope, what = {"board_id": board_id, "_deleted": False}, "columns"
        # A $group, not count_documents: nx-27017 answers it in ~10 ms on a full board, where
        # count_documents takes over a second (measured); every card creation asks.
        pipeline: list[Doc] = [{"$match": scope}, {"$group": {"_id": None, "n": {"$sum": 1}}}]
        rows = await (await collection.aggregate(pipeline)).to_list()
        if (rows[0]["n"] if rows else 0) >= most:
            raise Conflict(f"a board holds at most {most:,} {what}", details={"limit": limit})

    async def live_column(self, board_id: str, column_id: str, *, missing: type[Exception] = Conflict) -> Doc:
        doc = await self._columns.find_one({"_id": column_id})
        if doc is not None and doc.get("_deleted"):
            # A tombstone keeps only its id and seq, so which board it was on is not known here.
            raise missing("the column was deleted")
        if doc is None or doc.get("board_id") != board_id:
            raise NotFound("no such column on this board")
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


async def nothing() -> None:
    """A read that has nothing to read (no ``after`` card given)."""
    return None


async def reads(*aws: Awaitable[Any], first: Callable[[Any], None] | None = None) -> list[Any]:
    """Run a decide's independent reads at once, and raise as if they had run one after another:
    the first read's error first (then ``first``, a check of the first read's result), and so on."""
    results = await asyncio.gather(*aws, return_exceptions=True)
    for index, result in enumerate(results):
        if isinstance(result, BaseException):
            raise result
        if index == 0 and first is not None:
            first(result)
    return results


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
