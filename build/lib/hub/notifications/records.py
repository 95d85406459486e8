"""In-app notification records (collection ``notifications``), owned by the ``user:{id}`` channel.

Design note: docs/notifications.md. A record is written only through the event log, as the
``notification.created`` event of its user's channel, so the notification centre of a live page and
of a reloaded page never disagree. Its id is derived from the cause and the user: recording the same
cause twice (a retried request, a re-run fan-out after a crash) logs one event and one record.

Records are made by the fan-out (fanout.py) of a cause given to the one entrance, ``Notify``
(hub/notify.py); nothing else writes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.doc import Doc
from hub.errors import NotFound
from hub.events.log import Decision, EventLog, Unchanged
from hub.ids import idempotent_id
from hub.notifications.channel import user_channel
from schemas.events import Change, Put
from schemas.notifications import NotificationOut, Priority

COLLECTION = "notifications"
_LIVE: Doc = {"_deleted": {"$ne": True}}


def notification_id(*, user_id: str, kind: str, cause_id: str) -> str:
    """The record of ``cause_id`` for ``user_id``: the same inputs give the same id everywhere."""
    return idempotent_id(caller_id=user_id, scope=kind, key=cause_id)


def to_out(doc: Doc) -> NotificationOut:
    return NotificationOut.model_validate({**doc, "id": doc["_id"], "read": doc.get("read_at") is not None})


class NotificationRecords:
    def __init__(self, db: AsyncDatabase[Doc], *, events: EventLog) -> None:
        self._records = db[COLLECTION]
        self._events = events

    async def ensure_indexes(self) -> None:
        await self._records.create_index([("user_id", ASCENDING), ("created_at", DESCENDING)])
        await self._records.create_index("announcement_id")

    async def record(
        self,
        *,
        record_id: str,
        user_id: str,
        kind: str,
        priority: Priority,
        data: dict[str, Any],
        cause_id: str,
        now: datetime,
        announcement_id: str | None = None,
    ) -> bool:
        """Log ``notification.created`` for this record once; True when this call logged it."""
        doc: Doc = {
            "_id": record_id,
            "user_id": user_id,
            "kind": kind,
            "priority": priority,
            "data": data,
            "cause_id": cause_id,
            "announcement_id": announcement_id,
            "created_at": now,
            "read_at": None,
        }

        async def decide() -> Decision:
            if await self._records.find_one({"_id": record_id, **_LIVE}, {"_id": 1}) is not None:
                return Unchanged()
            return Change(
                event="notification.created",
                data=to_out(doc).model_dump(mode="json"),
                ops=[Put(collection=COLLECTION, doc=doc)],
            )

        result = await self._events.commit(user_channel(user_id), decide, actor=None)
        return not isinstance(result, Unchanged)

    async def of_user(self, user_id: str, *, unread: bool, limit: int) -> list[NotificationOut]:
        query: Doc = {"user_id": user_id, **_LIVE}
        if unread:
            query["read_at"] = {"$eq": None}
        docs = await self._records.find(query).sort("created_at", DESCENDING).limit(limit).to_list()
        return [to_out(doc) for doc in docs]

    async def unread_count(self, user_id: str) -> int:
        return await self._records.count_documents({"user_id": user_id, "read_at": {"$eq": None}, **_LIVE})

    async def mark_read(self, *, user_id: str, record_id: str, now: datetime) -> NotificationOut:
        """Mark one of the caller's records read (``notification.read`` on their channel)."""

        async def decide() -> Decision:
            doc = await self._records.find_one({"_id": record_id, "user_id": user_id, **_LIVE})
            if doc is None:
                raise NotFound("no such notification")
            if doc.get("read_at") is not None:
                return Unchanged()
            stored = {k: v for k, v in doc.items() if k not in ("_seq", "_deleted")}
            stored["read_at"] = now
            return Change(
                event="notification.read",
                data=to_out(stored).model_dump(mode="json"),
                ops=[Put(collection=COLLECTION, doc=stored)],
            )

        await self._events.commit(user_channel(user_id), decide, actor=None)
        doc = await self._records.find_one({"_id": record_id, "user_id": user_id, **_LIVE})
        if doc is None:
            raise NotFound("no such notification")
        return to_out(doc)

    async def of_user_for_announcements(self, user_id: str) -> dict[str, Doc]:
        """The caller's announcement records, by announcement id (what they received)."""
        docs = await self._records.find(
            {"user_id": user_id, "kind": "announcement", **_LIVE}, {"announcement_id": 1, "created_at": 1}
        ).to_list()
        return {doc["announcement_id"]: doc for doc in docs if doc.get("announcement_id")}

    async def recipients_of(self, announcement_id: str) -> list[str]:
        docs = await self._records.find(
            {"announcement_id": announcement_id, "kind": "announcement", **_LIVE}, {"user_id": 1}
        ).to_list()
        return sorted({doc["user_id"] for doc in docs})

    async def received(self, *, user_id: str, announcement_id: str) -> bool:
        doc = await self._records.find_one(
            {"user_id": user_id, "announcement_id": announcement_id, "kind": "announcement", **_LIVE},
            {"_id": 1},
        )
        return doc is not None
