"""Who is in a hub: the list for staff and the hub's kiosk, and the snapshot at a seq for live pages."""

from __future__ import annotations

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.events.log import EventLog, State
from hub.hubs import hours
from hub.hubs.model import CHECKINS, HUBS, LIVE, OPEN, channel_of, checkin_out, hub_out
from hub.hubs.service import HubService
from hub.principal import Principal
from hub.rights import Rights
from schemas.hubs import CheckinOut, CheckinsQuery, HubSnapshot

# A hub holds a few dozen people; a day's list of a thousand is beyond any real day.
LIST_LIMIT = 1000


class CheckinReads:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        hubs: HubService,
        events: EventLog,
        rights: Rights,
        clock: Clock,
        visitor_retention_days: int,
    ) -> None:
        self._checkins = db[CHECKINS]
        self._hubs = hubs
        self._events = events
        self._rights = rights
        self._clock = clock
        self._visitor_retention_days = visitor_retention_days

    async def list_checkins(
        self, principal: Principal, hub_id: str, query: CheckinsQuery
    ) -> list[CheckinOut]:
        """Who is in now (``active``), else the check-ins of a range of the hub's days (default today)."""
        hub = await self._hubs.hub(hub_id)
        self._rights.require_see_visitors(principal, hub_id, action="see who is in")
        await self._events.catch_up(channel_of(hub_id))
        filters: Doc = {"hub_id": hub_id, **LIVE}
        if query.active:
            filters.update(OPEN)
        else:
            tz = hours.zone(hub["timezone"])
            today = hours.local_day(self._clock(), tz)
            first, last = query.from_ or today, query.to or query.from_ or today
            filters["checked_in_at"] = {
                "$gte": hours.day_start(first, tz),
                "$lt": hours.day_start(last + hours.ONE_DAY, tz),
            }
        cursor = self._checkins.find(filters).sort("checked_in_at", DESCENDING).limit(LIST_LIMIT)
        contact = self._rights.may_see_visitor_contacts(principal)
        return [checkin_out(doc, names=True, contact=contact) for doc in await cursor.to_list()]

    async def snapshot(self, principal: Principal, hub_id: str) -> HubSnapshot:
        """The hub and who is in, exactly as at the returned seq of ``hub:{id}``."""
        await self._hubs.hub(hub_id)

        async def read_state() -> State:
            hub = await self._hubs.hub(hub_id)
            docs = await self._checkins.find({"hub_id": hub_id, **OPEN}).to_list()
            return {HUBS: {hub_id: hub}, CHECKINS: {doc["_id"]: doc for doc in docs}}

        state, seq = await self._events.read(channel_of(hub_id), read_state)
        present = [
            doc
            for doc in state[CHECKINS].values()
            if not doc.get("_deleted") and doc.get("checked_out_at") is None
        ]
        present.sort(key=lambda doc: doc["checked_in_at"], reverse=True)
        names = self._rights.may_see_visitors(principal, hub_id)
        contact = self._rights.may_see_visitor_contacts(principal)
        return HubSnapshot(
            hub=hub_out(state[HUBS][hub_id], occupancy=len(present)),
            seq=seq,
            checkins=[checkin_out(doc, names=True, contact=contact) for doc in present] if names else None,
            visitor_retention_days=self._visitor_retention_days,
        )
