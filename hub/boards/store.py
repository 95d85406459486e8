"""The boards' collections and every read of them: the one place that knows how columns, cards,
comments and history are stored and found (docs/boards.md, docs/storage.md).

The services of boards (cards, columns, comments, notices, the snapshot) ask the store, never a
collection: a look-up here is "live" — a tombstone (``_deleted``) is as good as missing. Writes are
not here: every write is an op of a ``board:{id}`` event (hub/events/log.py).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.boards import model
from hub.boards.model import CARDS, COLUMNS, COMMENTS, HISTORY, live
from hub.boards.positions import Placement
from hub.boards.snapshot import read_compact_state
from hub.doc import Doc
from hub.errors import Conflict, NotFound
from hub.events.log import State
from hub.limits import MAX_CARDS_PER_BOARD, MAX_COLUMNS_PER_BOARD

log = logging.getLogger(__name__)


class BoardStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._db = db
        self._columns = db[COLUMNS]
        self._cards = db[CARDS]
        self._comments = db[COMMENTS]
        self._history = db[HISTORY]
        # Where cards and columns go (hub/boards/positions.py), read from the stored neighbours.
        self.placement = Placement(cards=self._cards, columns=self._columns)

    async def ensure_indexes(self) -> None:
        """Indexes, and the data migrations of boards (idempotent; run at every start)."""
        await model.ensure_indexes(self._db)
        migrated = await model.migrate_times(self._db)
        if migrated:
            log.info("boards: %d cards and columns now store their times as datetimes", migrated)

    # --- cards ------------------------------------------------------------------------------------

    async def card(self, card_id: str) -> Doc | None:
        """The card, or None when it is missing or deleted."""
        return live(await self._cards.find_one({"_id": card_id}))

    async def card_any(self, card_id: str) -> Doc | None:
        """The stored card as it is, tombstone included (an idempotent retry finds its own id)."""
        return await self._cards.find_one({"_id": card_id})

    async def live_card(self, card_id: str) -> Doc:
        doc = await self.card(card_id)
        if doc is None:
            raise NotFound("no such card")
        return doc

    async def live_card_in(self, column_id: str, card_id: str) -> Doc:
        """The open card ``card_id`` of ``column_id`` (a neighbour to place after), else ``Conflict``."""
        doc = await self.card(card_id)
        if doc is None or doc["column_id"] != column_id or doc.get("archived"):
            raise Conflict(
                "the card to place this one after is no longer in that column",
                details={"after": card_id, "column_id": column_id},
            )
        return doc

    async def archived_cards(self, board_id: str) -> list[Doc]:
        """The board's archived cards, the most recently changed first."""
        docs = await self._cards.find({"board_id": board_id, "archived": True, "_deleted": False}).to_list()
        docs.sort(key=lambda doc: doc["updated_at"], reverse=True)
        return docs

    async def column_holds_cards(self, column_id: str) -> bool:
        """Whether an open card is still in the column."""
        holding = await self._cards.find_one(
            {"column_id": column_id, "archived": False, "_deleted": False}, projection={"_id": 1}
        )
        return holding is not None

    # --- columns ----------------------------------------------------------------------------------

    async def column(self, column_id: str) -> Doc | None:
        """The column, or None when it is missing or deleted."""
        return live(await self._columns.find_one({"_id": column_id}))

    async def column_any(self, column_id: str) -> Doc | None:
        """The stored column as it is, tombstone included (an idempotent retry finds its own id)."""
        return await self._columns.find_one({"_id": column_id})

    async def live_column(self, board_id: str, column_id: str, *, missing: type[Exception] = Conflict) -> Doc:
        """The column of ``board_id``: ``missing`` when it was deleted, ``NotFound`` when it is not
        (or never was) on this board."""
        doc = await self._columns.find_one({"_id": column_id})
        if doc is not None and doc.get("_deleted"):
            # A tombstone keeps only its id and seq, so which board it was on is not known here.
            raise missing("the column was deleted")
        if doc is None or doc.get("board_id") != board_id:
            raise NotFound("no such column on this board")
        return doc

    async def first_column(self, board_id: str) -> Doc | None:
        """The board's leftmost live column."""
        return await self._columns.find_one({"board_id": board_id, "_deleted": False}, sort=[("position", 1)])

    # --- the whole board --------------------------------------------------------------------------

    async def compact_state(self, board_id: str) -> State:
        """The board's columns and cards for its snapshot (hub/boards/snapshot.py)."""
        return await read_compact_state(self._columns, self._cards, board_id)

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

    # --- comments and history ---------------------------------------------------------------------

    async def comment_any(self, comment_id: str) -> Doc | None:
        """The stored comment as it is (an idempotent retry finds its own id)."""
        return await self._comments.find_one({"_id": comment_id})

    async def comments_of(self, card_id: str) -> list[Doc]:
        """The card's comments, oldest first."""
        return (
            await self._comments.find({"card_id": card_id, "_deleted": False})
            .sort("created_at", ASCENDING)
            .to_list()
        )

    async def history_of(self, card_id: str) -> list[Doc]:
        """The card's history entries in log order."""
        return (
            await self._history.find({"card_id": card_id, "_deleted": False})
            .sort("_seq", ASCENDING)
            .to_list()
        )

    def entries_to_notify(self, card_id: str, seq: int) -> AsyncIterator[Doc]:
        """The history entries of one event that name people to notify."""
        return aiter(self._history.find({"card_id": card_id, "_seq": seq, "has_notify": True}))

    def recent_entries_to_notify(self, since: datetime) -> AsyncIterator[Doc]:
        """History entries since ``since`` that name people to notify (the sweep's)."""
        return aiter(self._history.find({"at": {"$gte": since}, "has_notify": True}))
