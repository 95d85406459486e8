"""The text of every card a process has been asked to search, held in memory as a follower of the log.

Why not MongoDB: ``$text`` does not split Japanese and nx-27017's differs; an index on an array of
bigrams makes nx-27017 stop matching single elements and is scanned anyway (``json_each``); a
``$regex`` scan of 20,000 cards takes ~180 ms there; one document per (gram, card) is millions of
documents to write. So each hub process keeps, per board it has searched, the cards' normalised texts
(title, description, checklist items, comments) and finds a substring with ``str.find`` over one
string per card — a few milliseconds for 20,000 cards (docs/boards.md, "Search").

Staying in step with the one commit path: nothing is written besides the log. A board's texts are
loaded at a ``seq`` with ``EventLog.read`` (state exactly as of that event), and before each search
the index asks the ``applied`` marks of the boards searched (one query) and folds in the ops of the
events after the ``seq`` it holds (``EventLog.logged_since``), exactly as a replay would. So two
instances answer the same, a card changed by any instance is found by its new text on the next search,
and the caller's own change (whose mark is set before its response) is always seen.
"""

from __future__ import annotations

import asyncio
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hub.boards.model import CARDS, COMMENTS, card_out, channel_of
from hub.boards.store import BoardStore
from hub.doc import Doc
from hub.events.log import EventLog
from schemas.boards import CardOut
from schemas.events import Delete, Put

# Boards whose marks a search asks ahead (with the caller's rights); past that, only the readable ones.
_MARKS_AHEAD_MAX = 1_000
# More events than this behind: reload the board rather than fold them one by one.
_FOLD_MAX_EVENTS = 2_000
# Between the texts of one card: a character a query never holds (normalise drops it from queries).
_SEPARATOR = "\x00"
# Between cards in a board's haystack: another character no query holds.
_BETWEEN_CARDS = "\x01"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def normalise(text: str) -> str:
    """How texts and queries are compared: NFKC (full-width ＡＢＣ and half-width ｶﾅ become ABC and カナ)
    then case-folded (Straße finds STRASSE)."""
    return unicodedata.normalize("NFKC", text).casefold().replace(_SEPARATOR, "").replace(_BETWEEN_CARDS, "")


def _utc(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        return _utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    return _EPOCH


@dataclass
class Entry:
    """One card as search sees it."""

    doc: Doc
    comments: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # id → (normalised, at)
    blob: str = ""
    changed: datetime = _EPOCH
    # The card as the API gives it, made at its first hit after a change (not once per search).
    out: CardOut | None = None

    def card(self) -> CardOut:
        if self.out is None:
            self.out = card_out(self.doc)
        return self.out

    def refresh(self) -> None:
        self.out = None
        doc = self.doc
        texts = [doc.get("title", ""), doc.get("description", "")]
        # Checklists (issue 15): items with a ``text``, whichever shape holds them.
        for item in doc.get("checklist") or []:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                texts.append(item["text"])
        parts = [normalise(text) for text in texts]
        parts.extend(text for text, _ in self.comments.values())
        self.blob = _SEPARATOR.join(parts)
        newest = _utc(doc.get("updated_at"))
        for _, at in self.comments.values():
            newest = max(newest, at)
        self.changed = newest


def order_key(entry: Entry) -> tuple[datetime, str]:
    """Search's order, newest change first: the change time, then the id (a total order)."""
    return (entry.changed, entry.doc["_id"])


def _first_older(keys: list[tuple[datetime, str]], before: tuple[datetime, str]) -> int:
    """The index of the first key strictly older than ``before`` in ``keys`` (newest first)."""
    low, high = 0, len(keys)
    while low < high:
        middle = (low + high) // 2
        if keys[middle] < before:
            high = middle
        else:
            low = middle + 1
    return low


@dataclass
class BoardTexts:
    board_id: str
    seq: int = 0
    cards: dict[str, Entry] = field(default_factory=dict)
    # Every card's blob in one string (``_BETWEEN_CARDS`` apart) and where each starts, rebuilt at the
    # first search after a change: one ``str.find`` pass over a board instead of a test per card.
    _haystack: str | None = None
    _starts: list[int] = field(default_factory=list)
    _order: list[Entry] = field(default_factory=list)  # newest change first, as search answers
    _keys: list[tuple[datetime, str]] = field(default_factory=list)
    # Comments whose card is not known (yet): kept so that order of arrival never loses one.
    waiting: dict[str, Doc] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def put_card(self, doc: Doc) -> None:
        self._haystack = None
        entry = self.cards.get(doc["_id"])
        if entry is None:
            entry = self.cards[doc["_id"]] = Entry(doc=doc)
            for comment_id, comment in list(self.waiting.items()):
                if comment.get("card_id") == doc["_id"]:
                    del self.waiting[comment_id]
                    entry.comments[comment_id] = (
                        normalise(comment.get("body", "")),
                        _utc(comment.get("created_at")),
                    )
        else:
            entry.doc = doc
        entry.refresh()

    def put_comment(self, doc: Doc) -> None:
        self._haystack = None
        entry = self.cards.get(doc.get("card_id", ""))
        if entry is None:
            self.waiting[doc["_id"]] = doc
            return
        entry.comments[doc["_id"]] = (normalise(doc.get("body", "")), _utc(doc.get("created_at")))
        entry.refresh()

    def delete(self, collection: str, doc_id: str) -> None:
        self._haystack = None
        if collection == CARDS:
            self.cards.pop(doc_id, None)
        elif collection == COMMENTS:
            self.waiting.pop(doc_id, None)
            for entry in self.cards.values():
                if entry.comments.pop(doc_id, None) is not None:
                    entry.refresh()
                    break

    def matching(self, terms: Sequence[str], *, before: tuple[datetime, str] | None) -> Iterator[Entry]:
        """The cards whose texts hold every term (each anywhere in any of the card's texts), newest
        change first, from the first one strictly older than ``before`` (a cursor) on. Lazy: a
        search that needs 51 cards reads the haystack only until it has them."""
        if self._haystack is None:
            self._order = sorted(self.cards.values(), key=order_key, reverse=True)
            self._keys = [order_key(entry) for entry in self._order]
            self._starts = []
            at = 0
            for entry in self._order:
                self._starts.append(at)
                at += len(entry.blob) + 1
            self._haystack = _BETWEEN_CARDS.join(entry.blob for entry in self._order)
        haystack, starts, order = self._haystack, self._starts, self._order
        first, rest = terms[0], terms[1:]
        begin = 0 if before is None else _first_older(self._keys, before)
        found = haystack.find(first, starts[begin]) if begin < len(starts) else -1
        while found >= 0:
            index = bisect_right(starts, found) - 1
            entry = order[index]
            if all(term in entry.blob for term in rest):
                yield entry
            # On to the next card: a card is found once however often it holds the term.
            following = starts[index + 1] if index + 1 < len(starts) else len(haystack)
            found = haystack.find(first, following)

    def fold(self, ops: Iterable[Put | Delete]) -> None:
        for op in ops:
            if op.collection not in (CARDS, COMMENTS):
                continue
            if isinstance(op, Delete):
                self.delete(op.collection, op.id)
            elif op.collection == CARDS:
                self.put_card(op.doc)
            else:
                self.put_comment(op.doc)


class SearchIndex:
    """Boards' texts in this process, brought up to date from the log before each search."""

    def __init__(self, *, store: BoardStore, events: EventLog) -> None:
        self._store = store
        self._events = events
        self._boards: dict[str, BoardTexts] = {}

    async def known_marks(self) -> dict[str, int]:
        """The ``applied`` marks of the boards this process holds (board id → mark), asked while the
        caller's rights are read, so that a warm search makes one round trip less."""
        known = list(self._boards)[:_MARKS_AHEAD_MAX]
        if not known:
            return {}
        marks = await self._events.applied_marks([channel_of(board_id) for board_id in known])
        return {board_id: marks[channel_of(board_id)] for board_id in known}

    async def boards(
        self, board_ids: Sequence[str], *, marks: dict[str, int] | None = None
    ) -> list[BoardTexts]:
        """The texts of these boards as of their ``applied`` marks (or later); ``marks``: those
        already read (``known_marks``), the others are asked here."""
        marks = dict(marks or {})
        missing = [board_id for board_id in board_ids if board_id not in marks]
        if missing:
            asked = await self._events.applied_marks([channel_of(board_id) for board_id in missing])
            marks.update({board_id: asked[channel_of(board_id)] for board_id in missing})
        await asyncio.gather(*(self._up_to(board_id, marks[board_id]) for board_id in board_ids))
        return [self._boards[board_id] for board_id in board_ids]

    async def _up_to(self, board_id: str, mark: int) -> None:
        texts = self._boards.get(board_id)
        if texts is not None and texts.seq >= mark:
            return
        if texts is None:
            texts = self._boards.setdefault(board_id, BoardTexts(board_id=board_id, seq=-1))
        async with texts.lock:
            if texts.seq >= mark:
                return
            if texts.seq >= 0:
                logged = await self._events.logged_since(
                    channel_of(board_id), texts.seq, limit=_FOLD_MAX_EVENTS
                )
                # A complete run of events right after what we hold (none expired, not too many).
                if logged and logged[0][0] == texts.seq + 1 and logged[-1][0] >= mark:
                    for seq, ops in logged:
                        texts.fold(ops)
                        texts.seq = seq
                    return
            await self._load(texts, mark)

    async def _load(self, texts: BoardTexts, mark: int) -> None:
        """Read the board's texts whole: they hold every event up to ``mark`` (the mark is set once an
        event's ops are in), and maybe some documents of later events, which is only newer. The
        events after ``mark`` are folded in at the next search that finds the mark moved on (a
        document folded again is put back at its newest version)."""
        board_id = texts.board_id
        state = await self._store.texts_state(board_id)
        texts.cards.clear()
        texts.waiting.clear()
        for doc in state.get(CARDS, {}).values():
            if not doc.get("_deleted"):
                texts.put_card(doc)
        for doc in state.get(COMMENTS, {}).values():
            if not doc.get("_deleted"):
                texts.put_comment(doc)
        texts.seq = mark
