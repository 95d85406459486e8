"""In-app notification records (collection ``notifications``), owned by the ``user:{id}`` channel.

Design note: docs/notifications.md. A record is written only through the event log, as the
``notification.created`` event of its user's channel, so the notification centre of a live page and
of a reloaded page never disagree. Its id is derived from the cause and the user: recording the same
cause twice (a retried request, a re-run fan-out after a crash) logs one event and one record.

``create_notification`` is the entry point for code that has only the database at hand (projects,
boards): it writes the record at once and leaves the cause in the outbox for the worker's sweeper,
which adds the e-mail / LINE deliveries within seconds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.errors import NotFound
from hub.events.log import EventLog
from hub.ids import idempotent_id, new_id
from hub.notifications.commit import commit_once
from hub.notifications.outbox import Outbox
from schemas.common import utc_now
from schemas.events import Change, Put
from schemas.notifications import NotificationOut, Priority

Doc = dict[str, Any]

COLLECTION = "notifications"
_LIVE: Doc = {"_deleted": {"$ne": True}}


def notification_id(*, user_id: str, kind: str, cause_id: str) -> str:
    """The record of ``cause_id`` for ``user_id``: the same inputs give the same id everywhere."""
    return idempotent_id(caller_id=user_id, scope=kind, key=cause_id)


def user_channel(user_id: str) -> str:
    return f"user:{user_id}"


async def create_notification(
    db: AsyncDatabase[Doc],
    *,
    user_id: str,
    kind: str,
    data: dict[str, Any],
    cause: str | None = None,
    events: EventLog | None = None,
    link: str | None = None,
) -> str:
    """Notify ``user_id`` of ``kind`` for code that has only the database; return the record's id.

    The in-app record is written at once (in the reader's locale) and the cause is left in the
    outbox, where the worker's sweeper adds the e-mail / LINE deliveries within seconds. ``cause``
    names what happened (e.g. ``join_request.decided:<id>``): the same cause notifies once, so a
    retried request never notifies twice. Pass ``events`` (the services' log, which publishes) for
    the ``notification.created`` event to reach live pages at once; without it they see the record
    on their next load or reconnect. ``link``: the page it is about (a path), for the e-mail, LINE
    and the notification centre; the notification centre itself otherwise.
    """
    from hub.identity.users import UserStore
    from hub.notifications import messages
    from hub.notifications.preferences import PreferenceStore

    cause_id = cause or new_id()
    now = utc_now()
    cause_doc: Doc = {
        "_id": cause_id,
        "kind": kind,
        "priority": "normal",
        "user_ids": [user_id],
        "data": data,
        "content": None,
        "link": link,
        "created_at": now,
        # Nobody fans this out inline: the sweeper takes it on its next round, not after a grace.
        "inline": False,
    }
    await Outbox(db).add_cause(cause_doc)
    record_id = notification_id(user_id=user_id, kind=kind, cause_id=cause_id)
    users = UserStore(db)
    user = await users.get(user_id)
    if user is None or user.get("disabled"):
        return record_id
    log = events or EventLog(db)
    prefs = await PreferenceStore(db, events=log, users=users).of_user(user)
    text = messages.render(cause_doc, prefs.locale)
    await NotificationRecords(db, events=log).record(
        record_id=record_id,
        user_id=user_id,
        kind=kind,
        priority="normal",
        data={**data, "title": text.title, "body": text.body, "locale": text.locale}
        | ({"link": link} if link else {}),
        cause_id=cause_id,
        now=now,
    )
    return record_id


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

        async def decide() -> Change | None:
            if await self._records.find_one({"_id": record_id, **_LIVE}, {"_id": 1}) is not None:
                return None
            return Change(
                event="notification.created",
                data=to_out(doc).model_dump(mode="json"),
                ops=[Put(collection=COLLECTION, doc=doc)],
            )

        event = await commit_once(self._events, user_channel(user_id), decide, actor=None)
        return event is not None

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

        async def decide() -> Change | None:
            doc = await self._records.find_one({"_id": record_id, "user_id": user_id, **_LIVE})
            if doc is None:
                raise NotFound("no such notification")
            if doc.get("read_at") is not None:
                return None
            stored = {k: v for k, v in doc.items() if k not in ("_seq", "_deleted")}
            stored["read_at"] = now
            return Change(
                event="notification.read",
                data=to_out(stored).model_dump(mode="json"),
                ops=[Put(collection=COLLECTION, doc=stored)],
            )

        await commit_once(self._events, user_channel(user_id), decide, actor=None)
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
