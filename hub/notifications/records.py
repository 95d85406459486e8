"""In-app notification records: the ``notifications`` collection, one document per person and cause.

``key`` names the cause (for example a board event and the person it concerns): the record's id is
derived from it, so creating the same notification again — a retry, or a sweep after a crash —
changes nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.ids import new_id
from schemas.common import utc_now

Doc = dict[str, Any]
NOTIFICATIONS = "notifications"


async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
    await db[NOTIFICATIONS].create_index([("user_id", ASCENDING), ("created_at", DESCENDING)])


def notification_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:24]


async def create_notification(
    db: AsyncDatabase[Doc],
    *,
    user_id: str,
    kind: str,
    data: dict[str, Any],
    key: str | None = None,
) -> tuple[Doc, bool]:
    """Store a notification; return it and whether it is new (False: this ``key`` was seen before)."""
    doc: Doc = {
        "_id": new_id() if key is None else notification_id(f"{user_id}\x1f{key}"),
        "user_id": user_id,
        "kind": kind,
        "data": data,
        "created_at": utc_now(),
        "read_at": None,
    }
    try:
        await db[NOTIFICATIONS].insert_one(doc)
    except DuplicateKeyError:
        existing = await db[NOTIFICATIONS].find_one({"_id": doc["_id"]})
        return (existing or doc), False
    return doc, True
