"""The audit log (collection ``audit``): who signed in or failed to, who changed whose role or
membership, who decided which join request — with the actor, the time and the client address.

Entries are only ever inserted. Their ids begin with the time in microseconds, so that "newest
first" is the order of ids and ``?before=<id>`` pages without gaps or repeats.
"""

from __future__ import annotations

import logging
import secrets
import time

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.doc import Doc
from schemas.common import utc_now
from schemas.events import Actor
from schemas.identity import AuditEntryOut, AuditPage

log = logging.getLogger(__name__)


class _TimeOrderedIds:
    """Ids that sort by time: microseconds since the epoch, never repeating or going back within
    this process (two entries of one request keep their order), and a random tail across processes."""

    def __init__(self) -> None:
        self._last_us = 0

    def __call__(self) -> str:
        self._last_us = max(time.time_ns() // 1_000, self._last_us + 1)
        return f"{self._last_us:014x}{secrets.token_hex(5)}"


class AuditLog:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._audit = db["audit"]
        self._new_id = _TimeOrderedIds()

    async def ensure_indexes(self) -> None:
        await self._audit.create_index("subject_id")

    async def record(
        self,
        action: str,
        *,
        actor: Actor | None,
        address: str | None,
        subject_id: str | None = None,
        data: dict[str, str | None] | None = None,
    ) -> None:
        doc: Doc = {
            "_id": self._new_id(),
            "at": utc_now(),
            "action": action,
            "actor_id": None if actor is None else actor.id,
            "actor_name": None if actor is None else actor.name,
            "address": address,
            "subject_id": subject_id,
            "data": data or {},
        }
        await self._audit.insert_one(doc)
        log.info("audit %s actor=%s subject=%s", action, doc["actor_id"], subject_id)

    async def page(self, *, before: str | None, limit: int) -> AuditPage:
        query: Doc = {} if before is None else {"_id": {"$lt": before}}
        # One more than asked tells whether an older page exists.
        docs = await self._audit.find(query).sort("_id", DESCENDING).limit(limit + 1).to_list()
        items = [AuditEntryOut.model_validate({**doc, "id": doc["_id"]}) for doc in docs[:limit]]
        next_before = items[-1].id if len(docs) > limit else None
        return AuditPage(items=items, next_before=next_before)
