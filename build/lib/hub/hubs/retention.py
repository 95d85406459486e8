"""Erasing visitors' names and contacts: after the retention period (a daily job) or at once when
an admin asks. Counts stay: the check-in keeps its hub, day, purpose and times.

An erasure is first recorded as an intent (``visitor_erasures``), then carried out (the check-in
through the hub's channel, then every logged event that carried the data), then marked done. A
process that dies half-way leaves a pending intent that the next run of the job completes, so no
erasure is ever lost (docs/hubs.md, "Retention").
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.errors import Conflict, Forbidden, NotFound
from hub.events.log import Decision, EventLog, Unchanged
from hub.hubs.model import CHECKINS, ERASED_FIELDS, LIVE, channel_of, event_data
from hub.identity.audit import AuditLog
from hub.principal import Principal
from hub.rights import Rights
from schemas.events import Change, Put
from schemas.hubs import ErasureOut

log = logging.getLogger(__name__)

ERASURES = "visitor_erasures"


class VisitorRetention:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        events: EventLog,
        rights: Rights,
        retention_days: int,
        audit: AuditLog,
        clock: Clock,
    ) -> None:
        self._checkins = db[CHECKINS]
        self._erasures = db[ERASURES]
        self._events = events
        self._rights = rights
        self._retention = timedelta(days=retention_days)
        self._audit = audit
        self._clock = clock

    async def ensure_indexes(self) -> None:
        await self._erasures.create_index("done_at")

    async def purge(self, *, now: datetime) -> int:
        """Erase every visitor whose visit began more than the retention period before ``now``,
        and finish erasures a dead process left half-done; → how many check-ins were erased."""
        cutoff = now - self._retention
        due = await self._checkins.find(
            {"kind": "visitor", "erased_at": {"$eq": None}, "checked_in_at": {"$lt": cutoff}, **LIVE},
            {"_id": 1, "hub_id": 1},
        ).to_list()
        for doc in due:
            await self._record_intent(doc, reason="retention", now=now)
        erased = 0
        for intent in await self._erasures.find({"done_at": {"$eq": None}}).to_list():
            erased += await self._carry_out(intent, now=now)
        if erased:
            log.info("retention: erased %d visitors' names and contacts", erased)
        return erased

    async def erase_now(self, principal: Principal, checkin_id: str, *, address: str | None) -> ErasureOut:
        """An admin erases one visitor's data at once (a visitor's request under APPI); audited."""
        if not self._rights.may_erase_visitor(principal):
            raise Forbidden("only admins may erase a visitor's data")
        doc = await self._checkins.find_one({"_id": checkin_id, **LIVE})
        if doc is None:
            raise NotFound("no such check-in")
        if doc.get("kind") != "visitor":
            raise Conflict(
                "this check-in is a member's, not a visitor's; only visitors' data are erased here"
            )
        now = self._clock()
        # Audited before it happens: the log shows the request even if the process dies right after.
        await self._audit.record(
            "visitor.erased",
            actor=principal.actor,
            address=address,
            subject_id=checkin_id,
            data={"hub_id": doc["hub_id"]},
        )
        intent = await self._record_intent(doc, reason="request", now=now)
        await self._carry_out(intent, now=now)
        erased = await self._checkins.find_one({"_id": checkin_id})
        assert erased is not None and erased.get("erased_at") is not None
        return ErasureOut(id=checkin_id, hub_id=doc["hub_id"], erased_at=erased["erased_at"])

    async def _record_intent(self, doc: Doc, *, reason: str, now: datetime) -> Doc:
        await self._erasures.update_one(
            {"_id": doc["_id"]},
            {
                "$setOnInsert": {
                    "hub_id": doc["hub_id"],
                    "reason": reason,
                    "requested_at": now,
                    "done_at": None,
                }
            },
            upsert=True,
        )
        intent = await self._erasures.find_one({"_id": doc["_id"]})
        assert intent is not None
        if intent.get("done_at") is not None:
            # Erased before; erase again anyway (cheap, and covers data logged after that erasure).
            await self._erasures.update_one({"_id": doc["_id"]}, {"$set": {"done_at": None}})
        return intent

    async def _carry_out(self, intent: Doc, *, now: datetime) -> int:
        checkin_id, channel = intent["_id"], channel_of(intent["hub_id"])

        async def decide() -> Decision:
            current = await self._checkins.find_one({"_id": checkin_id, **LIVE})
            if current is None or current.get("erased_at") is not None:
                return Unchanged()
            erased = {k: v for k, v in current.items() if k not in ("_seq", "_deleted")}
            erased.update({field: None for field in ERASED_FIELDS}, erased_at=now)
            return Change(
                event="checkin.erased", data=event_data(erased), ops=[Put(collection=CHECKINS, doc=erased)]
            )

        changed = 1
        if isinstance(await self._events.commit(channel, decide, actor=None), Unchanged):
            changed = 0
        # After the state: any event logged before the erasure still carries the data; scrub them.
        await self._events.erase_fields(channel, resource_id=checkin_id, fields=ERASED_FIELDS)
        # done_at is a marker only (nx-27017 may store a $set date as a string; nothing compares it).
        await self._erasures.update_one({"_id": checkin_id}, {"$set": {"done_at": now}})
        return changed
