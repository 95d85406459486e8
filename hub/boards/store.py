"""The boards' collections and every read of them: the one place that knows how columns, cards,
comments and history are stored and found (docs/boards.md, docs/storage.md).

The services of boards (cards, columns, comments, notices, the snapshot) ask the store, never a
collection: a look-up here is "live" — a tombstone (``_deleted``) is as good as missing. Writes are
not here: every write is an op of a ``board:{id}`` event (hub/events/log.py), except a data
migration's guarded replace (``replace_card_at``, only at the ``_seq`` the card was read at).

Two things are remembered rather than read every time. A board's open cards, which every card
creation checks against the limit and which costs a scan of the board to count (80 ms for 2,000
cards on a loaded machine, against 2 ms for a look-up by id); and its columns with their end cards
(hub/boards/ends.py), all a creation at either end of a column needs. Each is kept at the seq it
was read at (``deciding_head``) and carried forward over the board's events as the log tells them
(``applied``, an observer of the log, told inside the writer's turn: the events this process logs,
and those another instance logged before the turn came here), so it is only ever used at exactly the
state it describes; an event not named in ``_OPEN_CARDS_DELTA``, or a gap in what the log told,
makes the next creation read again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from hub.boards import model
from hub.boards.ends import ColumnEnds, carry, ends_by_board
from hub.boards.model import (
    BOARD_FOLLOWERS,
    CARD_PARTS,
    CARDS,
    COLUMNS,
    COMMENTS,
    HISTORY,
    IMPORTS,
    channel_of,
    live,
)
from hub.boards.positions import Placement
from hub.boards.snapshot import read_compact_state
from hub.doc import Doc
from hub.errors import Conflict, NotFound
from hub.events.log import State, deciding_head, staged
from hub.limits import MAX_CARDS_PER_BOARD, MAX_COLUMNS_PER_BOARD

log = logging.getLogger(__name__)

# How each event of a board changes its open cards (not archived, not deleted). An event not named
# here (a kind added later) makes the store forget the figure: a count, never a wrong one.
_OPEN_CARDS_DELTA = {
    "card.created": 1,
    "card.restored": 1,
    "card.archived": -1,
    "card.updated": 0,
    "card.moved": 0,
    "comment.created": 0,
    "column.created": 0,
    "column.updated": 0,
    "column.moved": 0,
    "column.deleted": 0,  # only a column without open cards is deleted
    "column.rebalanced": 0,
}
# Boards whose open cards are remembered: a few dozen bytes each.
_OPEN_CARDS_REMEMBERED = 10_000


class BoardStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._db = db
        self._columns = db[COLUMNS]
        self._cards = db[CARDS]
        self._comments = db[COMMENTS]
        self._history = db[HISTORY]
        self._parts = db[CARD_PARTS]
        self._board_followers = db[BOARD_FOLLOWERS]
        # Where cards and columns go (hub/boards/positions.py), read from the stored neighbours.
        self.placement = Placement(cards=self._cards, columns=self._columns)
        # board → (seq, open cards at that seq), least recently used first.
        self._open_cards: dict[str, tuple[int, int]] = {}
        # Each board's columns and their end cards at one seq (hub/boards/ends.py).
        self._ends = ends_by_board()

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
        """The stored card as it is, tombstone included (an idempotent retry finds its own id); in
        a group of changes, as the group's earlier changes leave it (hub/events/log.py)."""
        pending = staged(CARDS).get(card_id)
        return pending if pending is not None else await self._cards.find_one({"_id": card_id})

    async def live_card(self, card_id: str) -> Doc:
        doc = await self.card(card_id)
        if doc is None:
            raise NotFound("no such card")
        return doc

    async def live_card_in(self, column_id: str, card_id: str) -> Doc:
        """The open card ``card_id`` of ``column_id`` (a neighbour to place after), else ``Conflict``
        (read through a group's staged changes: a decide's read)."""
        doc = live(await self.card_any(card_id))
        if doc is None or doc["column_id"] != column_id or doc.get("archived"):
            raise Conflict(
                "the card to place this one after is no longer in that column",
                details={"after": card_id, "column_id": column_id},
            )
        return doc

    async def cards_without_due_moment(self) -> list[Doc]:
        """Live cards with a ``due`` but no ``due_at`` (set before due moments existed)."""
        docs = await self._cards.find({"_deleted": False}).to_list()
        return [doc for doc in docs if doc.get("due") and not doc.get("due_at")]

    async def replace_card_at(self, read: Doc, doc: Doc) -> bool:
        """A data migration's write: ``doc`` replaces the card only at the ``_seq`` it was read at."""
        result = await self._cards.replace_one({"_id": read["_id"], "_seq": read.get("_seq")}, doc)
        return result.modified_count == 1

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

    async def card_part(self, item_id: str, kind: str) -> Doc | None:
        """Where a checklist item or an attachment (``kind``) is: ``{card_id, board_id}``, or None."""
        doc = live(await self._parts.find_one({"_id": item_id}))
        return doc if doc is not None and doc.get("kind") == kind else None

    # --- columns ----------------------------------------------------------------------------------

    async def column(self, column_id: str) -> Doc | None:
        """The column, or None when it is missing or deleted."""
        return live(await self._columns.find_one({"_id": column_id}))

    async def column_any(self, column_id: str) -> Doc | None:
        """The stored column as it is, tombstone included (an idempotent retry finds its own id)."""
        return await self._columns.find_one({"_id": column_id})

    async def live_column(self, board_id: str, column_id: str, *, missing: type[Exception] = Conflict) -> Doc:
        """The column of ``board_id``: ``missing`` when it was deleted, ``NotFound`` when it is not
        (or never was) on this board. Inside a ``decide``, read at its head: remembered there, and
        through a group's staged changes."""
        head = deciding_head(channel_of(board_id))
        known = None if head is None else self._ends.at(board_id, head)
        doc = None if known is None else known.columns.get(column_id)
        if doc is None:
            pending = staged(COLUMNS).get(column_id)
            doc = pending if pending is not None else await self._columns.find_one({"_id": column_id})
            if known is not None and doc is not None:
                known.columns[column_id] = doc
        if doc is not None and doc.get("_deleted"):
            # A tombstone keeps only its id and seq, so which board it was on is not known here.
            raise missing("the column was deleted")
        if doc is None or doc.get("board_id") != board_id:
            raise NotFound("no such column on this board")
        return doc

    async def column_ends(self, board_id: str, column_id: str) -> ColumnEnds | None:
        """Inside a ``decide``: the column's end cards at its head (None outside one)."""
        head = deciding_head(channel_of(board_id))
        if head is None:
            return None
        known = self._ends.at(board_id, head)
        ends = known.ends.get(column_id)
        if ends is None:
            ends = known.ends[column_id] = await self.placement.column_ends(column_id)
        return ends

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
            count = await self._open_cards_at_head(board_id)
            most, limit, what = MAX_CARDS_PER_BOARD, "cards_per_board", "cards that are not archived"
        else:
            count = await self._count(self._columns, {"board_id": board_id, "_deleted": False})
            most, limit, what = MAX_COLUMNS_PER_BOARD, "columns_per_board", "columns"
        if count >= most:
            raise Conflict(f"a board holds at most {most:,} {what}", details={"limit": limit})

    async def _open_cards_at_head(self, board_id: str) -> int:
        head = deciding_head(channel_of(board_id))
        known = self._open_cards.get(board_id)
        if head is not None and known is not None and known[0] == head:
            return known[1]
        # In a group, the cards its earlier changes wrote are counted as written, not as stored.
        pending = staged(CARDS)
        scope: Doc = {"board_id": board_id, "archived": False, "_deleted": False}
        if pending:
            scope["_id"] = {"$nin": list(pending)}
        count = await self._count(self._cards, scope)
        count += sum(
            1
            for doc in pending.values()
            if doc.get("board_id") == board_id and not doc.get("archived") and not doc.get("_deleted")
        )
        if head is not None:
            self._remember_open_cards(board_id, head, count)
        return count

    def applied(self, channel: str, seq: int, event: str, ops: list[Doc]) -> None:
        """The log's observer (``EventLog.observe``): event ``seq`` of ``board:{id}`` is logged;
        carry the board's open cards and column ends forward over it, or forget them (an event not
        in ``_OPEN_CARDS_DELTA``; ``NOT_LOGGED``: a group's event was not logged after all)."""
        board_id = channel.partition(":")[2]
        self._ends.told(board_id, seq, event, ops, carry)
        known = self._open_cards.pop(board_id, None)
        delta = _OPEN_CARDS_DELTA.get(event)
        if known is not None and delta is not None and known[0] == seq - 1:
            self._remember_open_cards(board_id, seq, known[1] + delta)

    def _remember_open_cards(self, board_id: str, seq: int, count: int) -> None:
        self._open_cards.pop(board_id, None)
        self._open_cards[board_id] = (seq, count)
        if len(self._open_cards) > _OPEN_CARDS_REMEMBERED:
            del self._open_cards[next(iter(self._open_cards))]

    @staticmethod
    async def _count(collection: AsyncCollection[Doc], scope: Doc) -> int:
        # A $group, not count_documents: nx-27017 answers it in ~10 ms on a full board, where
        # count_documents takes over a second (measured).
        pipeline: list[Doc] = [{"$match": scope}, {"$group": {"_id": None, "n": {"$sum": 1}}}]
        rows = await (await collection.aggregate(pipeline)).to_list()
        return int(rows[0]["n"]) if rows else 0

    # --- following (hub/boards/follows.py) ------------------------------------------------------------

    async def board_follow(self, follow_id: str) -> Doc | None:
        return live(await self._board_followers.find_one({"_id": follow_id}))

    async def board_followers(self, board_id: str) -> list[str]:
        docs = await self._board_followers.find({"board_id": board_id, "_deleted": False}).to_list()
        return [doc["user_id"] for doc in docs]

    async def boards_followed(self, user_id: str) -> list[str]:
        docs = await self._board_followers.find({"user_id": user_id, "_deleted": False}).to_list()
        return [doc["board_id"] for doc in docs]

    async def open_cards_of(self, user_id: str, *, board_ids: list[str]) -> list[Doc]:
        """Open cards ``user_id`` is assigned to or follows, or on the boards ``board_ids``. Arrays
        take no index on nx-27017 (docs/storage.md), so this reads the open cards: a calendar app
        asks every hour or so, not every second."""
        mine: list[Doc] = [{"assignees": user_id}, {"followers": user_id}]
        if board_ids:
            mine.append({"board_id": {"$in": board_ids}})
        return await self._cards.find({"$or": mine, "_deleted": False, "archived": False}).to_list()

    async def texts_state(self, board_id: str) -> State:
        """The board's cards and comments, whole (search loading a board's texts)."""
        # By ``board_id`` alone (tombstones left to the caller), as the snapshot reads: with a second
        # field nx-27017's planner may scan the whole collection (measured: 100 s for 40 boards).
        cards, comments = await asyncio.gather(
            self._cards.find({"board_id": board_id}).to_list(),
            self._comments.find({"board_id": board_id}).to_list(),
        )
        return {CARDS: {doc["_id"]: doc for doc in cards}, COMMENTS: {doc["_id"]: doc for doc in comments}}

    async def whole_state(self, board_id: str) -> State:
        """The board's columns, cards (archived too) and comments, whole (the export)."""
        columns, cards, comments = await asyncio.gather(
            self._columns.find({"board_id": board_id}).to_list(),
            self._cards.find({"board_id": board_id}).to_list(),
            self._comments.find({"board_id": board_id}).to_list(),
        )
        return {
            COLUMNS: {doc["_id"]: doc for doc in columns},
            CARDS: {doc["_id"]: doc for doc in cards},
            COMMENTS: {doc["_id"]: doc for doc in comments},
        }

    async def counts(self, board_id: str) -> tuple[int, int]:
        """How many columns and open cards the board holds (an import checks its room first)."""

        async def count(collection: AsyncCollection[Doc], scope: Doc) -> int:
            # A $group, not count_documents (see ``require_room``).
            pipeline: list[Doc] = [{"$match": scope}, {"$group": {"_id": None, "n": {"$sum": 1}}}]
            rows = await (await collection.aggregate(pipeline)).to_list()
            return int(rows[0]["n"]) if rows else 0

        columns, cards = await asyncio.gather(
            count(self._columns, {"board_id": board_id, "_deleted": False}),
            count(self._cards, {"board_id": board_id, "archived": False, "_deleted": False}),
        )
        return columns, cards

    async def finished_import(self, import_id: str) -> Doc | None:
        """The record of a finished import (hub/boards/importer.py), or None."""
        return live(await self._db[IMPORTS].find_one({"_id": import_id}))

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
