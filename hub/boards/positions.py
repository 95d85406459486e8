"""Card and column positions, all of them: fractional keys, where an item goes among its stored
neighbours, and when a column is respaced. Design note: docs/boards.md ("Order").

Keys are strings that sort in display order when compared plainly, so a move writes one card and
never renumbers the others.

A key is a base-62 fraction ``0.d1 d2 … dn`` written with the digits ``0-9A-Za-z`` (ASCII order, so
string order is numeric order) and never ends in ``0`` (then there is always room below it).

Repeated inserts at one spot must keep keys short, so ``key_between`` does not simply halve the gap
(that costs one character every ~6 inserts). It first tries the key one step above the lower
neighbour, then one step below the upper neighbour, at the neighbour's own length; only when both
are taken does it grow, by up to ``_MAX_GROWTH`` digits, which opens 62**k fresh steps. Runs of
inserts at the top, at the bottom, always after the same card, or always after the newest card all
grow by O(log n): 10,000 inserts at one spot stay under a dozen characters (tests/boards).
Anything else falls back to the shortest key in between; a key past ``MAX_POSITION_CHARS`` is not
used: ``Placement.card_after`` answers the column's respacing instead (one ``column.rebalanced``
event, logged first, after which the change is decided again).

Finding the neighbours is two O(log n) index look-ups (the successor of ``after`` and the item placed
last), so a column of 10,000 cards costs no more than a column of ten. Archived cards keep their
place and count as neighbours, so that a restored card never shares a position with another.
Inside a group of changes (hub/events/log.py, ``staged``) the cards the group's earlier changes write
are neighbours as well: they are looked up in memory, and left out of the stored look-ups.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from hub.boards import model
from hub.boards.ends import ColumnEnds
from hub.boards.model import CARDS
from hub.doc import Doc
from hub.events.log import First, staged
from schemas.events import Change, Put

Lean = Literal["up", "down", "middle"]

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_VALUE = {char: index for index, char in enumerate(DIGITS)}
# The key of the first item of an empty list: the middle, so there is room on both sides.
FIRST_KEY = DIGITS[BASE // 2]
# Growth per extension: 62**3 ≈ 238,000 steps, more than any list will ever see at one spot, while
# an adversary that always picks the tightest gap adds at most this many characters per insert.
_MAX_GROWTH = 3
# Past this length the service respaces the column (one event). Unreached by ordinary use.
MAX_POSITION_CHARS = 32


def is_valid(key: str) -> bool:
    return bool(key) and key[-1] != "0" and all(char in _VALUE for char in key)


def key_between(a: str | None, b: str | None, *, lean: Lean = "middle") -> str:
    """A key strictly between ``a`` and ``b`` (``None``: the start or the end of the list).

    ``lean`` says where the next insert will probably land: ``"up"`` when ``a`` is the item placed
    last (inserts keep following the newest one), ``"down"`` when ``b`` is (inserts keep landing
    right after the same item), ``"middle"`` otherwise. At either end of the list the lean is implied.
    """
    if a is not None and b is not None and not a < b:
        raise ValueError(f"{a!r} is not below {b!r}")
    for key in (a, b):
        if key is not None and not is_valid(key):
            raise ValueError(f"{key!r} is not a position key")
    if a is None and b is None:
        return FIRST_KEY
    lo = _digits(a) if a is not None else None
    hi = _digits(b) if b is not None else None
    if lo is None:
        lean = "down"
    elif hi is None:
        lean = "up"
    for candidate in _candidates(lo, hi, lean):
        if candidate is not None and _inside(candidate, lo, hi):
            return _text(candidate)
    return _text(_midpoint(lo or [], hi))


def spread(count: int) -> list[str]:
    """``count`` evenly spaced keys in order, all of the shortest length that fits them."""
    length = 1
    while BASE**length < 2 * (count + 1):
        length += 1
    scale = BASE**length
    keys = []
    for index in range(1, count + 1):
        value = index * scale // (count + 1)
        digits = [(value // BASE ** (length - 1 - i)) % BASE for i in range(length)]
        while digits and digits[-1] == 0:
            digits.pop()
        keys.append(_text(digits))
    return keys


class Placement:
    """Where cards and columns go, read from the stored neighbours (inside ``decide``)."""

    def __init__(
        self,
        *,
        cards: AsyncCollection[Doc],
        columns: AsyncCollection[Doc],
        max_chars: int = MAX_POSITION_CHARS,
    ) -> None:
        self._cards = cards
        self._columns = columns
        self.max_chars = max_chars

    async def card_after(
        self, column_id: str, after: Doc | None, *, moving_id: str | None, ends: ColumnEnds | None = None
    ) -> str | First:
        """The key right after ``after`` (None: first) in a column, or, when that key would be
        longer than ``max_chars``, the column's respacing, to be logged first. A new card at either
        end of a column whose ``ends`` are known is placed without a read."""
        at_an_end = after is None or (
            ends is not None and ends.last is not None and after["_id"] == ends.last["_id"]
        )
        if ends is not None and moving_id is None and at_an_end:
            key = _key(after, None if after is not None else ends.first, ends.newest)
        else:
            key = await _after(self._cards, scope={"column_id": column_id}, after=after, moving_id=moving_id)
        if len(key) > self.max_chars:
            column = await self._columns.find_one({"_id": column_id})
            assert column is not None, column_id  # the caller's decide found it live
            return First(await self._respacing(column))
        return key

    async def column_after(self, board_id: str, after: Doc | None, *, moving_id: str | None = None) -> str:
        return await _after(self._columns, scope={"board_id": board_id}, after=after, moving_id=moving_id)

    async def column_last(self, board_id: str) -> str:
        last = await self._columns.find_one(
            {"board_id": board_id, "_deleted": False}, sort=[("position", DESCENDING)]
        )
        return key_between(None if last is None else last["position"], None)

    async def column_ends(self, column_id: str) -> ColumnEnds:
        """The column's ends as stored, and as a group's earlier changes leave them (``staged``)."""
        pending = staged(CARDS)
        scope: Doc = {"column_id": column_id, "_deleted": False}
        if pending:
            scope["_id"] = {"$nin": list(pending)}
        first, last, newest = await asyncio.gather(
            self._cards.find_one(scope, sort=[("position", ASCENDING)]),
            self._cards.find_one(scope, sort=[("position", DESCENDING)]),
            self._cards.find_one(scope, sort=[("placed_at", DESCENDING)]),
        )
        near = [doc for doc in pending.values() if _in_scope(doc, {"column_id": column_id})]
        stored = [doc for doc in (first, last, newest) if doc is not None]
        return ColumnEnds(
            first=min([*near, *stored], key=_by_position, default=None),
            last=max([*near, *stored], key=_by_position, default=None),
            newest=max([*near, *stored], key=model.placed_at, default=None),
        )

    async def _respacing(self, column: Doc) -> Change:
        """Every card of one column respaced evenly, as one event (``column.rebalanced``)."""
        pending = staged(CARDS)
        stored = await self._cards.find({"column_id": column["_id"], "_deleted": False}).to_list()
        cards = [doc for doc in stored if doc["_id"] not in pending]
        cards += [doc for doc in pending.values() if _in_scope(doc, {"column_id": column["_id"]})]
        cards.sort(key=lambda doc: (doc["position"], doc["_id"]))
        docs = [
            {**model.stored(card), "position": key}
            for card, key in zip(cards, spread(len(cards)), strict=True)
        ]
        data: dict[str, Any] = model.column_out(column).model_dump(mode="json")
        data["cards"] = [model.card_out(doc).model_dump(mode="json") for doc in docs if not doc["archived"]]
        return Change(
            event="column.rebalanced", data=data, ops=[Put(collection=CARDS, doc=doc) for doc in docs]
        )


async def _after(
    collection: AsyncCollection[Doc], *, scope: Doc, after: Doc | None, moving_id: str | None
) -> str:
    """A fresh key right after ``after`` (None: first) among the live documents of ``scope``;
    ``moving_id`` is the item being moved: it is not its own neighbour."""
    pending = staged(collection.name)
    base: Doc = {**scope, "_deleted": False}
    if pending:  # what the group's earlier changes wrote is looked at as written, not as stored
        base["_id"] = {"$nin": [*pending, *([moving_id] if moving_id is not None else [])]}
    elif moving_id is not None:
        base["_id"] = {"$ne": moving_id}
    successor_filter = dict(base)
    if after is not None:
        successor_filter["position"] = {"$gt": after["position"]}
    # Both neighbours at once: one round trip.
    successor, newest = await asyncio.gather(
        collection.find_one(successor_filter, sort=[("position", ASCENDING)]),
        collection.find_one(base, sort=[("placed_at", DESCENDING)], projection={"_id": 1, "placed_at": 1}),
    )
    near = [doc for doc in pending.values() if _in_scope(doc, scope) and doc["_id"] != moving_id]
    if near:
        above = [doc for doc in near if after is None or doc["position"] > after["position"]]
        successor = min([*above, *([successor] if successor else [])], key=_by_position, default=None)
        newest = max([*near, *([newest] if newest else [])], key=model.placed_at)
    return _key(after, successor, newest)


def _key(after: Doc | None, successor: Doc | None, newest: Doc | None) -> str:
    """The key between ``after`` and its ``successor``, leaning towards where the item placed last
    (``newest``) says the next inserts will land."""
    lean: Lean = "middle"
    if newest is not None and after is not None and newest["_id"] == after["_id"]:
        lean = "up"
    elif newest is not None and successor is not None and newest["_id"] == successor["_id"]:
        lean = "down"
    return key_between(
        None if after is None else after["position"],
        None if successor is None else successor["position"],
        lean=lean,
    )


def _in_scope(doc: Doc, scope: Doc) -> bool:
    """A staged document that is a live member of ``scope``."""
    return not doc.get("_deleted") and all(doc.get(name) == value for name, value in scope.items())


def _by_position(doc: Doc) -> str:
    return str(doc["position"])


def _candidates(lo: list[int] | None, hi: list[int] | None, lean: Lean) -> list[list[int] | None]:
    """Keys that leave the most room where the next inserts will land, best first."""
    shared = _common_prefix(lo or [], hi or [])
    if lean == "up" and lo is not None:
        growth = min(max(len(lo) - shared, 1), _MAX_GROWTH)
        return [_step_up(lo), lo + [0] * (growth - 1) + [1]]
    if lean == "down" and hi is not None:
        growth = min(max(len(hi) - shared, 1), _MAX_GROWTH)
        return [_step_down(hi), _step_down(hi + [0] * growth)]
    return []


def _step_up(digits: list[int]) -> list[int] | None:
    """The next key of the same length (skipping one that would end in 0); None past the end."""
    result = list(digits)
    for _ in range(2):
        index = len(result) - 1
        while index >= 0 and result[index] == BASE - 1:
            result[index] = 0
            index -= 1
        if index < 0:
            return None
        result[index] += 1
        if result[-1] != 0:
            return result
    return None


def _step_down(digits: list[int]) -> list[int] | None:
    """The previous key of the same length (skipping one that would end in 0); None below zero."""
    result = list(digits)
    for _ in range(2):
        index = len(result) - 1
        while index >= 0 and result[index] == 0:
            result[index] = BASE - 1
            index -= 1
        if index < 0:
            return None
        result[index] -= 1
        if result[-1] != 0:
            return result if any(result) else None
    return None


def _midpoint(lo: list[int], hi: list[int] | None) -> list[int]:
    """The shortest key strictly between ``lo`` and ``hi`` (None: 1.0)."""
    result: list[int] = []
    hi_tied = hi is not None
    index = 0
    while True:
        low = lo[index] if index < len(lo) else 0
        high = hi[index] if hi_tied and hi is not None and index < len(hi) else BASE
        if high - low > 1:
            result.append((low + high) // 2)
            return result
        result.append(low)
        if high - low == 1:
            hi_tied = False
        index += 1


def _inside(candidate: list[int], lo: list[int] | None, hi: list[int] | None) -> bool:
    if not candidate or candidate[-1] == 0:
        return False
    return (lo is None or candidate > lo) and (hi is None or candidate < hi)


def _common_prefix(a: list[int], b: list[int]) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def _digits(key: str) -> list[int]:
    return [_VALUE[char] for char in key]


def _text(digits: list[int]) -> str:
    return "".join(DIGITS[digit] for digit in digits)
