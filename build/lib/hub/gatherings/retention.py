"""Registrants' names and contacts are erased ``DEJIMA_VISITOR_RETENTION_DAYS`` after their event
ends; the registrations stay with their party size, status and arrival, so counts stay.

The erasure is a change of the hub's channel (``event.registrations_erased``, counts only), then
every logged event that carried the data is scrubbed (the log's one exception to "events never
change"). A process dying in between leaves registrations erased in the state but perhaps not in
older events; the next run scrubs again, since it looks for events not marked ``scrubbed``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from hub.doc import Doc
from hub.events.log import Decision, EventLog, Unchanged
from hub.gatherings.model import ERASED_FIELDS, GATHERINGS, LIVE, REGISTRATIONS, channel_of, counts_data, put
from schemas.events import Change

log = logging.getLogger(__name__)

ERASED = "event.registrations_erased"


class RegistrantRetention:
    def __init__(self, db: AsyncDatabase[Doc], *, events: EventLog, retention_days: int) -> None:
        self._gatherings = db[GATHERINGS]
        self._registrations = db[REGISTRATIONS]
        self._events = events
        self._retention = timedelta(days=retention_days)

    async def purge(self, *, now: datetime) -> int:
        """Erase the registrants of every event that ended more than the retention period ago;
        → how many registrations were erased."""
        cutoff = now - self._retention
        # "not scrubbed" is checked here, not in the query: nx-27017 answers nothing to a range on one
        # field together with ``$ne`` on a field the documents lack.
        ended = await self._gatherings.find(
            {"ends_at": {"$lt": cutoff}, **LIVE}, {"_id": 1, "hub_id": 1, "scrubbed": 1}
        ).to_list()
        erased = 0
        for event in (doc for doc in ended if not doc.get("scrubbed")):
            erased += await self._erase_event(event["_id"], event["hub_id"], now=now)
        if erased:
            log.info("retention: erased %d registrants' names and contacts", erased)
        return erased

    async def _erase_event(self, event_id: str, hub_id: str, *, now: datetime) -> int:
        channel = channel_of(hub_id)
        count = 0

        async def decide() -> Decision:
            nonlocal count
            event = await self._gatherings.find_one({"_id": event_id, **LIVE})
            if event is None:
                return Unchanged()
            regs = await self._registrations.find(
                {"event_id": event_id, "erased_at": {"$eq": None}, **LIVE}
            ).to_list()
            count = len(regs)
            if not regs and event.get("scrubbed"):
                return Unchanged()
            ops = [put(REGISTRATIONS, {**r, **dict.fromkeys(ERASED_FIELDS), "erased_at": now}) for r in regs]
            # The event is marked only once the older log entries are scrubbed too (below).
            return Change(event=ERASED, data=counts_data(event), ops=ops)

        result = await self._events.commit(channel, decide, actor=None)
        if isinstance(result, Unchanged):
            count = 0
        ids = [
            doc["_id"] for doc in await self._registrations.find({"event_id": event_id}, {"_id": 1}).to_list()
        ]
        for registration_id in ids:
            await self._events.erase_fields(channel, resource_id=registration_id, fields=ERASED_FIELDS)

        async def mark() -> Decision:
            event = await self._gatherings.find_one({"_id": event_id, **LIVE})
            if event is None or event.get("scrubbed"):
                return Unchanged()
            return Change(
                event=ERASED, data=counts_data(event), ops=[put(GATHERINGS, {**event, "scrubbed": True})]
            )

        await self._events.commit(channel, mark, actor=None)
        return count
