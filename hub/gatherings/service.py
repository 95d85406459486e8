"""Events at the hubs: create, change, cancel and read them. Every change is an event of the hub's
channel ``hub:{hub_id}`` (docs/gatherings.md), the same channel that carries its seat counts."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Protocol

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.errors import Conflict, Forbidden, InvalidRequest, NotFound
from hub.events.log import Decision, EventLog, Unchanged, made
from hub.gatherings.model import (
    CANCELLED,
    CREATED,
    GATHERINGS,
    LIVE,
    REGISTRATIONS,
    UPDATED,
    channel_of,
    event_data,
    event_out,
    put,
)
from hub.gatherings.notices import Kind, RegistrantNotices
from hub.ids import new_id
from hub.limits import PUBLIC_EVENT_REUSE_S
from hub.principal import Principal
from hub.rights import Rights
from schemas.common import utc_now
from schemas.events import Change
from schemas.gatherings import EventBody, EventOut, EventPatch, EventsQuery, PublicEventOut

log = logging.getLogger(__name__)

# A change of these is told to every registrant with a contact (they may have to come another time).
_TOLD_OF = ("starts_at", "ends_at", "online_url")
# Public events whose read ``public_to_register`` reuses: more than a town has open at once.
_PUBLIC_DOCS_KEPT = 256


class HubDirectory(Protocol):
    """What events need of the hubs domain: that a hub exists, its name and time zone."""

    async def hub(self, hub_id: str) -> Doc: ...


class Promoter(Protocol):
    """Seats freed by a larger capacity go to the waiting list (hub/gatherings/seats.py)."""

    def promotions(self, event: Doc, waiting: list[Doc], *, now: datetime) -> tuple[Doc, list[Doc]]: ...

    async def waiting(self, event_id: str) -> list[Doc]: ...


class EventCatalogue:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        events: EventLog,
        rights: Rights,
        hubs: HubDirectory,
        notices: RegistrantNotices,
        retention_days: int,
        clock: Clock = utc_now,
    ) -> None:
        self._retention_days = retention_days
        self._gatherings = db[GATHERINGS]
        self._registrations = db[REGISTRATIONS]
        self._events = events
        self._rights = rights
        self._hubs = hubs
        self._notices = notices
        self._clock = clock
        # event id → (until when, the public event as read): ``public_to_register``'s.
        self._public_docs: dict[str, tuple[float, Doc]] = {}

    async def ensure_indexes(self) -> None:
        await self._gatherings.create_index([("starts_at", ASCENDING)])
        await self._gatherings.create_index([("hub_id", ASCENDING), ("starts_at", ASCENDING)])

    # --- reads ---------------------------------------------------------------------------------------

    async def doc(self, event_id: str) -> Doc:
        """The stored event, at the head of its hub's channel."""
        found = await self._gatherings.find_one({"_id": event_id, **LIVE}, {"hub_id": 1})
        if found is None:
            raise NotFound("no such event")
        await self._events.catch_up(channel_of(found["hub_id"]))
        doc = await self._gatherings.find_one({"_id": event_id, **LIVE})
        if doc is None:
            raise NotFound("no such event")
        return doc

    async def readable(self, principal: Principal, event_id: str) -> Doc:
        doc = await self.doc(event_id)
        if not self._rights.may_read_event(principal, visibility=doc["visibility"]):
            raise NotFound("no such event")
        return doc

    async def get(self, principal: Principal, event_id: str) -> EventOut:
        return event_out(await self.readable(principal, event_id))

    async def public_doc(self, event_id: str) -> Doc:
        """A public event, for callers who are not signed in (ended ones too: a link in an e-mail)."""
        doc = await self.doc(event_id)
        if doc["visibility"] != "public":
            raise NotFound("no such event")
        return doc

    async def public_to_register(self, event_id: str) -> Doc:
        """A public event to register for, as stored a moment ago: its seats, status, end and
        visibility are decided again at the head of its channel, and its hub never changes, so this
        read only answers 404 early; during a rush it is read once a ``PUBLIC_EVENT_REUSE_S``, not
        once per registration."""
        now = time.monotonic()
        known = self._public_docs.get(event_id)
        if known is not None and known[0] > now:
            return known[1]
        doc = await self._gatherings.find_one({"_id": event_id, **LIVE})
        if doc is None or doc["visibility"] != "public":
            self._public_docs.pop(event_id, None)
            raise NotFound("no such event")
        self._public_docs[event_id] = (now + PUBLIC_EVENT_REUSE_S, doc)
        if len(self._public_docs) > _PUBLIC_DOCS_KEPT:
            del self._public_docs[next(iter(self._public_docs))]
        return doc

    async def public(self, event_id: str) -> PublicEventOut:
        return await self._public_out(event_out(await self.public_doc(event_id)))

    async def _public_out(self, event: EventOut) -> PublicEventOut:
        hub = await self._hubs.hub(event.hub_id)
        return PublicEventOut(**event.model_dump(), hub_name=hub["name"], retention_days=self._retention_days)

    async def list_events(self, principal: Principal, query: EventsQuery) -> list[EventOut]:
        filters: Doc = {**LIVE}
        if not self._rights.may_see_internal_events(principal):
            filters["visibility"] = "public"
        if query.hub_id:
            filters["hub_id"] = query.hub_id
        if query.from_ is not None:
            filters["ends_at"] = {"$gt": query.from_}
        if query.to is not None:
            filters["starts_at"] = {"$lt": query.to}
        return await self._listed(filters)

    async def public_list(self) -> list[PublicEventOut]:
        """Public events not ended, soonest first."""
        listed = await self._listed({**LIVE, "visibility": "public", "ends_at": {"$gt": self._clock()}})
        return [await self._public_out(event) for event in listed]

    async def today(self, hub_ids: list[str], *, start: datetime, end: datetime) -> list[EventOut]:
        return await self._listed(
            {**LIVE, "hub_id": {"$in": hub_ids}, "starts_at": {"$lt": end}, "ends_at": {"$gt": start}}
        )

    async def _listed(self, filters: Doc) -> list[EventOut]:
        hubs = await self._gatherings.distinct("hub_id", filters)
        for hub_id in hubs:
            await self._events.catch_up(channel_of(hub_id))
        docs = (
            await self._gatherings.find(filters)
            .sort([("starts_at", ASCENDING), ("_id", ASCENDING)])
            .to_list()
        )
        return [event_out(doc) for doc in docs]

    # --- changes -------------------------------------------------------------------------------------

    async def create(self, principal: Principal, body: EventBody) -> EventOut:
        if not self._rights.may_create_event(principal):
            raise Forbidden("only admins and members may create events")
        await self._hubs.hub(body.hub_id)
        now = self._clock()
        doc: Doc = {
            "_id": new_id(),
            **body.model_dump(exclude={"hub_id"}),
            "hub_id": body.hub_id,
            "status": "scheduled",
            "registered": 0,
            "waitlisted": 0,
            "attended": 0,
            "next_order": 0,
            "created_by": principal.id,
            "created_at": now,
            "cancelled_at": None,
        }

        async def decide() -> Decision:
            return Change(event=CREATED, data=event_data(doc), ops=[put(GATHERINGS, doc)])

        made(await self._events.commit(channel_of(body.hub_id), decide, actor=principal.actor))
        return event_out(doc)

    async def update(
        self, principal: Principal, event_id: str, patch: EventPatch, promoter: Promoter
    ) -> EventOut:
        doc = await self.readable(principal, event_id)
        if not self._rights.may_change_event(principal, creator_id=doc["created_by"]):
            raise Forbidden("only the event's creator and admins may change it")
        changes: dict[str, Any] = patch.model_dump(exclude_unset=True)
        if changes.get("hub_id", doc["hub_id"]) != doc["hub_id"]:
            # Its seats are counted on the hub's channel; moving would split them over two channels.
            raise Conflict("an event cannot move to another hub: cancel it and create it at the other hub")
        promoted: list[Doc] = []

        async def decide() -> Decision:
            promoted.clear()
            current = await self._gatherings.find_one({"_id": event_id, **LIVE})
            if current is None:
                raise NotFound("no such event")
            if current["status"] == "cancelled":
                raise Conflict("the event is cancelled")
            updated = {**current, **changes}
            if updated["ends_at"] <= updated["starts_at"]:
                message = "ends_at must come after starts_at"
                field = "starts_at" if "starts_at" in changes else "ends_at"
                raise InvalidRequest(
                    message, details={"fields": [{"path": field, "message": message, "type": "value_error"}]}
                )
            if updated["capacity"] < current["registered"]:
                raise Conflict(
                    f"{current['registered']} seats are taken: the capacity cannot be less",
                    details={"registered": current["registered"]},
                )
            if updated == current:
                return Unchanged(current)
            ops = [put(GATHERINGS, updated)]
            if updated["capacity"] > current["capacity"] and current["waitlisted"]:
                waiting = await promoter.waiting(event_id)
                updated, moved = promoter.promotions(updated, waiting, now=self._clock())
                promoted.extend(moved)
                ops = [put(GATHERINGS, updated), *(put(REGISTRATIONS, r) for r in moved)]
            return Change(event=UPDATED, data=event_data(updated), ops=ops)

        result = await self._events.commit(channel_of(doc["hub_id"]), decide, actor=principal.actor)
        after = await self.doc(event_id)
        if isinstance(result, Unchanged):
            return event_out(after)
        hub = await self._hubs.hub(after["hub_id"])
        for registration in promoted:
            await self._notices.tell("promoted", registration, after, hub=hub)
        if any(after.get(field) != doc.get(field) for field in _TOLD_OF):
            await self._tell_all("changed", after, hub=hub, occasion=str(result.seq))
        return event_out(after)

    async def cancel(self, principal: Principal, event_id: str) -> EventOut:
        doc = await self.readable(principal, event_id)
        if not self._rights.may_change_event(principal, creator_id=doc["created_by"]):
            raise Forbidden("only the event's creator and admins may cancel it")

        async def decide() -> Decision:
            current = await self._gatherings.find_one({"_id": event_id, **LIVE})
            if current is None:
                raise NotFound("no such event")
            if current["status"] == "cancelled":
                return Unchanged(current)
            cancelled = {**current, "status": "cancelled", "cancelled_at": self._clock()}
            return Change(event=CANCELLED, data=event_data(cancelled), ops=[put(GATHERINGS, cancelled)])

        result = await self._events.commit(channel_of(doc["hub_id"]), decide, actor=principal.actor)
        after = await self.doc(event_id)
        if not isinstance(result, Unchanged):
            await self.tell_cancelled(after)
        return event_out(after)

    async def tell_cancelled(self, event: Doc) -> None:
        """Every registrant with a contact is told (each once: the message id is the registration's)."""
        await self._tell_all("event_cancelled", event, hub=await self._hubs.hub(event["hub_id"]))

    async def _tell_all(self, kind: Kind, event: Doc, *, hub: Doc, occasion: str = "") -> None:
        told = self._registrations.find(
            {"event_id": event["_id"], "status": {"$in": ["registered", "waitlisted"]}, **LIVE}
        )
        async for registration in told:
            try:
                await self._notices.tell(kind, registration, event, hub=hub, occasion=occasion)
            except Exception:
                log.exception("could not tell registration %s (%s)", registration["_id"], kind)
