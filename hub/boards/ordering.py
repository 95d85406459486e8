"""Where a card or column goes: the position right after ``after``, from the neighbours as stored.

Reads are O(log n) index look-ups (the successor of ``after`` and the item placed last), so a column of
10,000 cards costs no more than a column of ten. Archived cards keep their place and count as
neighbours, so that a restored card never shares a position with another.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from hub.boards import positions
from hub.boards.positions import Lean

Doc = dict[str, Any]


async def position_after(
    collection: AsyncCollection[Doc],
    *,
    scope: Doc,
    after: Doc | None,
    moving_id: str | None = None,
) -> str:
    """A fresh position right after ``after`` (None: first) among the live documents of ``scope``.

    ``moving_id`` is the item being moved: it is not its own neighbour.
    """
    base: Doc = {**scope, "_deleted": False}
    if moving_id is not None:
        base["_id"] = {"$ne": moving_id}
    successor_filter = dict(base)
    if after is not None:
        successor_filter["position"] = {"$gt": after["position"]}
    successor = await collection.find_one(successor_filter, sort=[("position", ASCENDING)])
    newest = await collection.find_one(base, sort=[("placed_at", DESCENDING)], projection={"_id": 1})
    lean: Lean = "middle"
    if newest is not None and after is not None and newest["_id"] == after["_id"]:
        lean = "up"
    elif newest is not None and successor is not None and newest["_id"] == successor["_id"]:
        lean = "down"
    return positions.key_between(
        None if after is None else after["position"],
        None if successor is None else successor["position"],
        lean=lean,
    )


async def position_last(collection: AsyncCollection[Doc], *, scope: Doc) -> str:
    last = await collection.find_one({**scope, "_deleted": False}, sort=[("position", DESCENDING)])
    return positions.key_between(None if last is None else last["position"], None)
