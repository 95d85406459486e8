"""Reminders ``DEJIMA_EVENT_REMINDER_H`` hours before an event: exactly once, on exactly one worker.

A worker claims an event by inserting its reminder document (the unique ``_id`` lets one insert
win); only the winner sends. Each message's id is the registration's (hub/gatherings/notices.py),
so a worker that dies half-way and the one that takes its stale claim over still send each reminder
once: the outbox refuses the same delivery id twice, and the ``Notify`` port the same cause id.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.doc import Doc
from hub.events.log import EventLog
from hub.gatherings.model import GATHERINGS, LIVE, REGISTRATIONS, REMINDERS, channel_of
from hub.gatherings.notices import RegistrantNotices
from hub.gatherings.service import HubDirectory

log = logging.getLogger(__name__)

# A claim not finished this long after it was taken belongs to a dead worker: another takes it over.
_STALE_CLAIM = timedelta(minutes=10)


class Reminders:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        events: EventLog,
        hubs: HubDirectory,
        notices: RegistrantNotices,
        hours_before: int,
    ) -> None:
        self._gatherings = db[GATHERINGS]
        self._registrations = db[REGISTRATIONS]
        self._claims = db[REMINDERS]
        self._events = events
        self._hubs = hubs
        self._notices = notices
        self._before = timedelta(hours=hours_before)

    async def send_due(self, *, now: datetime, worker: str = "") -> int:
        """Remind the registrants of every event starting within the reminder period; → how many
        events this call reminded (0 when another worker holds them)."""
        due = await self._gatherings.find(
            {"status": "scheduled", "starts_at": {"$gt": now, "$lte": now + self._before}, **LIVE}
        ).to_list()
        reminded = 0
        for event in due:
            if not await self._claim(event["_id"], now=now, worker=worker):
                continue
            await self._events.catch_up(channel_of(event["hub_id"]))
            hub = await self._hubs.hub(event["hub_id"])
            async for registration in self._registrations.find(
                {"event_id": event["_id"], "status": "registered", **LIVE}
            ):
                await self._notices.tell("reminder", registration, event, hub=hub)
            await self._claims.update_one({"_id": event["_id"]}, {"$set": {"done": True}})
            reminded += 1
        if reminded:
            log.info("reminded the registrants of %d events", reminded)
        return reminded

    async def _claim(self, event_id: str, *, now: datetime, worker: str) -> bool:
        try:
            await self._claims.insert_one({"_id": event_id, "claimed_at": now, "by": worker, "done": False})
            return True
        except DuplicateKeyError:
            pass
        # Taken over only when stale and not done, by one worker (the update matches once).
        taken = await self._claims.find_one_and_update(
            {"_id": event_id, "done": False, "claimed_at": {"$lt": now - _STALE_CLAIM}},
            {"$set": {"claimed_at": now, "by": worker}},
        )
        return taken is not None
