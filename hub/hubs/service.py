"""Hubs and check-ins: every change goes through the hub's channel ``hub:{id}`` of the event log.

Design note: docs/hubs.md. The channel serialises a hub's check-ins (``EventLog.commit`` decides each
against the state at the channel's head and only one writer wins each seq), so the capacity check
in ``decide`` is exact however many hub instances accept check-ins at once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.errors import Forbidden, NotFound, Unavailable
from hub.events.log import Decision, EventLog, Unchanged, deciding_head, staged
from hub.hubs import hours
from hub.hubs.arrivals import RegistrationArrivals, arrival_checkin_id
from hub.hubs.leases import UserLeases
from hub.hubs.model import (
    CHECKINS,
    HUBS,
    LIVE,
    OPEN,
    channel_of,
    checkin_out,
    event_data,
    hub_full,
    hub_out,
    new_checkin,
    put_op,
    stored,
)
from hub.hubs.occupancy import carry, is_open, open_by_hub
from hub.ids import idempotent_id
from hub.principal import Principal
from hub.rights import Rights
from schemas.common import utc_now
from schemas.events import Actor, Change
from schemas.hubs import (
    CheckinOut,
    EndReason,
    EventAttendance,
    HubOut,
    OccupancyData,
    SelfCheckinBody,
    VisitorCheckinBody,
)

log = logging.getLogger(__name__)

# Tells presence where a user is checked in now (API.md, Realtime: each meta's "hub").
UserHubHook = Callable[[str, str | None], Awaitable[None]]


class HubService:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        events: EventLog,
        rights: Rights,
        clock: Clock = utc_now,
        user_hub_hook: UserHubHook | None = None,
    ) -> None:
        self._hubs = db[HUBS]
        self._checkins = db[CHECKINS]
        self._events = events
        self._rights = rights
        self._clock = clock
        self._leases = UserLeases(db)
        self._user_hub_hook = user_hub_hook
        self._arrivals: RegistrationArrivals | None = None
        # Each hub's open check-ins at its channel's head, for the decides (hub/hubs/occupancy.py).
        self._open = open_by_hub()
        # One writer per hub channel in this process: the log serialises writers anyway, and letting
        # a burst of requests race for each seq only multiplies retries (cross-instance races remain).

    async def ensure_indexes(self) -> None:
        await self._checkins.create_index([("hub_id", ASCENDING), ("checked_out_at", ASCENDING)])
        await self._checkins.create_index([("hub_id", ASCENDING), ("checked_in_at", ASCENDING)])
        await self._checkins.create_index([("user_id", ASCENDING), ("checked_out_at", ASCENDING)])
        await self._checkins.create_index([("kind", ASCENDING), ("checked_in_at", ASCENDING)])

    # --- hubs ---------------------------------------------------------------------------------------

    async def hub(self, hub_id: str) -> Doc:
        doc = await self._hubs.find_one({"_id": hub_id, **LIVE})
        if doc is None:
            raise NotFound("no such hub")
        return doc

    async def hub_docs(self) -> list[Doc]:
        return await self._hubs.find(LIVE).sort("_id", ASCENDING).to_list()

    async def list_hubs(self) -> list[HubOut]:
        return [hub_out(doc, occupancy=await self.occupancy(doc["_id"])) for doc in await self.hub_docs()]

    async def users_inside(self, hub_ids: list[str]) -> list[str]:
        """Accounts checked in at these hubs now (an announcement to a hub reaches them)."""
        for hub_id in hub_ids:
            await self._events.catch_up(channel_of(hub_id))
        docs = await self._checkins.find(
            {"hub_id": {"$in": hub_ids}, **OPEN, **LIVE}, {"user_id": 1}
        ).to_list()
        return sorted({doc["user_id"] for doc in docs if doc.get("user_id")})

    async def occupancy(self, hub_id: str) -> int:
        await self._events.catch_up(channel_of(hub_id))
        return await self.count_open(hub_id)

    # --- check-in -----------------------------------------------------------------------------------

    async def check_in_self(
        self, principal: Principal, hub_id: str, body: SelfCheckinBody, *, idempotency_key: str | None
    ) -> tuple[CheckinOut, bool]:
        """Check the caller in; ends their open check-in at the other hub first.

        → (check-in, fresh): ``fresh`` is False only when the caller was in at this hub already; a
        repeated Idempotency-Key answers the first check-in as it was answered (fresh).
        """
        hub = await self.hub(hub_id)
        if not self._rights.may_check_in_self(principal):
            raise Forbidden("a kiosk checks visitors in: send the visitor's name, purpose and consent")
        checkin_id = idempotent_id(caller_id=principal.id, scope=f"checkin:{hub_id}", key=idempotency_key)
        async with self._leases.hold(principal.id):
            await self._events.catch_up(channel_of(hub_id))
            replay = await self._checkins.find_one({"_id": checkin_id, **LIVE})
            if replay is not None:
                return self._own_copy(replay), True
            open_docs = await self._open_of_user(principal.id)
            for doc in open_docs:
                if doc["hub_id"] == hub_id:
                    return self._own_copy(doc), False
            if open_docs:
                # Refuse before ending the other check-in when this hub is full anyway.
                occupancy = await self.count_open(hub_id)
                if occupancy >= hub["capacity"]:
                    raise hub_full(hub, occupancy)
            now = self._now()
            # End first, then create: a crash in between leaves the person checked in nowhere,
            # never twice (docs/hubs.md, "One open check-in per person").
            for doc in open_docs:
                await self._end(doc, at=now, reason="moved", actor=principal.actor)
            doc = new_checkin(
                checkin_id,
                hub_id=hub_id,
                kind="member",
                user_id=principal.id,
                name=principal.name,
                purpose=body.purpose,
                at=now,
                by=principal.id,
            )
            stored, _ = await self._create(doc, actor=principal.actor)
            await self._sync_user_hub(principal.id)
        return self._own_copy(stored), True

    async def check_in_visitor(
        self, principal: Principal, hub_id: str, body: VisitorCheckinBody, *, idempotency_key: str | None
    ) -> tuple[CheckinOut, bool]:
        await self.hub(hub_id)
        self._rights.require_see_visitors(principal, hub_id, action="check visitors in")
        checkin_id = idempotent_id(caller_id=principal.id, scope=f"checkin:{hub_id}", key=idempotency_key)
        now = self._now()
        doc = new_checkin(
            checkin_id,
            hub_id=hub_id,
            kind="visitor",
            user_id=None,
            name=body.name,
            purpose=body.purpose,
            at=now,
            by=principal.id,
        )
        doc.update(organization=body.organization, contact=body.contact, consent_at=now)
        # A repeated Idempotency-Key answers the first check-in again, as it was answered (201).
        stored, _ = await self._create(doc, actor=principal.actor)
        contact = self._rights.may_see_visitor_contacts(principal)
        return checkin_out(stored, names=True, contact=contact), True

    def serve_arrivals(self, arrivals: RegistrationArrivals) -> None:
        """Events at the hubs are built after the hubs: they hand their port in afterwards."""
        self._arrivals = arrivals

    async def event_attendance(self, hub_id: str, *, start: datetime, end: datetime) -> list[EventAttendance]:
        """Attendance of the events at this hub in a range (none where events are not served)."""
        if self._arrivals is None:
            return []
        return await self._arrivals.attendance(hub_id, start=start, end=end)

    async def check_in_registrant(
        self, principal: Principal, hub_id: str, code: str
    ) -> tuple[CheckinOut, bool]:
        """An event's registrant arrives with their code: one check-in per registration, ``purpose:
        "event"``; → (check-in, fresh). The same code again answers the same check-in (not fresh)."""
        await self.hub(hub_id)
        if not self._rights.may_check_in_registrant(principal, hub_id):
            self._rights.require_see_visitors(principal, hub_id, action="check registrants in")
        if self._arrivals is None:
            raise Unavailable("events are not served by this process")
        admission = await self._arrivals.admit(hub_id, code)
        checkin_id = arrival_checkin_id(admission.registration_id)
        await self._events.catch_up(channel_of(hub_id))
        existing = await self._checkins.find_one({"_id": checkin_id, **LIVE})
        fresh = existing is None
        if existing is None:
            doc = new_checkin(
                checkin_id,
                hub_id=hub_id,
                kind="visitor",
                user_id=None,
                name=admission.name or "",
                purpose="event",
                at=self._now(),
                by=principal.id,
            )
            doc.update(event_id=admission.event_id, consent_at=doc["checked_in_at"])
            existing, fresh = await self._create(doc, actor=principal.actor)
        # Also after a repeat: a process that died between the two steps left the arrival unrecorded.
        await self._arrivals.arrived(admission, checkin_id=checkin_id, at=existing["checked_in_at"])
        return checkin_out(existing, names=True, contact=False), fresh

    async def check_out(self, principal: Principal, checkin_id: str) -> CheckinOut:
        doc = await self._checkins.find_one({"_id": checkin_id, **LIVE})
        if doc is None:
            raise NotFound("no such check-in")
        hub_id = doc["hub_id"]
        if not self._rights.may_check_out(principal, hub_id, doc.get("user_id")):
            if self._rights.is_hub_device(principal):
                raise Forbidden("a kiosk acts only for its own hub")
            raise NotFound("no such check-in")
        reason: EndReason = (
            "self"
            if doc.get("user_id") == principal.id
            else "kiosk"
            if self._rights.is_hub_device(principal)
            else "staff"
        )
        async with self._lease_for(doc):
            ended, _ = await self._end(doc, at=self._now(), reason=reason, actor=principal.actor)
            if ended.get("user_id"):
                await self._sync_user_hub(ended["user_id"])
        return checkin_out(ended, names=True, contact=self._rights.may_see_visitor_contacts(principal))

    async def close_due(self, *, now: datetime) -> int:
        """End every open check-in whose hub has closed since it began; → how many ended.

        Each ends at the first closing instant after its check-in, on the hub's wall clock.
        """
        ended = 0
        for hub in await self.hub_docs():
            tz, close = hours.zone(hub["timezone"]), hours.time_of_day(hub["close"])
            await self._events.catch_up(channel_of(hub["_id"]))
            cutoff = hours.last_closing(now, close=close, tz=tz)
            query = {"hub_id": hub["_id"], "checked_out_at": None, "checked_in_at": {"$lt": cutoff}, **LIVE}
            for doc in await self._checkins.find(query).to_list():
                at = hours.next_closing(doc["checked_in_at"], close=close, tz=tz)
                async with self._lease_for(doc):
                    _, changed = await self._end(doc, at=at, reason="closing", actor=None)
                    if doc.get("user_id"):
                        await self._sync_user_hub(doc["user_id"])
                ended += changed
        if ended:
            log.info("closing time: ended %d check-ins", ended)
        return ended

    # --- internals ----------------------------------------------------------------------------------

    async def _create(self, doc: Doc, *, actor: Actor) -> tuple[Doc, bool]:
        hub_id = doc["hub_id"]

        async def decide() -> Decision:
            existing = await self._checkins.find_one({"_id": doc["_id"]})
            if existing is not None:
                return Unchanged(existing)  # the same Idempotency-Key again
            hub = await self.hub(hub_id)
            occupancy = await self.count_open(hub_id)
            if occupancy >= hub["capacity"]:
                raise hub_full(hub, occupancy)
            return Change(event="checkin.created", data=event_data(doc), ops=[put_op(CHECKINS, doc)])

        result = await self._events.commit(channel_of(hub_id), decide, actor=actor)
        if isinstance(result, Unchanged):
            assert result.doc is not None
            return result.doc, False
        await self._publish_occupancy(hub_id)
        return doc, True

    async def _end(
        self, doc: Doc, *, at: datetime, reason: EndReason, actor: Actor | None
    ) -> tuple[Doc, bool]:
        hub_id = doc["hub_id"]

        async def decide() -> Decision:
            current = await self._checkins.find_one({"_id": doc["_id"], **LIVE})
            if current is None or current.get("checked_out_at") is not None:
                return Unchanged(current or doc)
            ended = {
                **stored(current),
                "checked_out_at": max(at, current["checked_in_at"]),
                "ended_by": reason,
            }
            return Change(event="checkin.ended", data=event_data(ended), ops=[put_op(CHECKINS, ended)])

        result = await self._events.commit(channel_of(hub_id), decide, actor=actor)
        if isinstance(result, Unchanged):
            assert result.doc is not None
            return result.doc, False
        await self._publish_occupancy(hub_id)
        ended = await self._checkins.find_one({"_id": doc["_id"]})
        assert ended is not None, result
        return ended, True

    async def _publish_occupancy(self, hub_id: str) -> None:
        async def decide() -> Change:
            hub = await self.hub(hub_id)
            data = OccupancyData(
                hub_id=hub_id, occupancy=await self.count_open(hub_id), capacity=hub["capacity"]
            )
            return Change(event="hub.occupancy", data=data.model_dump(mode="json"))

        await self._events.commit(channel_of(hub_id), decide, actor=None)

    async def count_open(self, hub_id: str) -> int:
        """The hub's open check-ins: inside a ``decide`` of its channel, as remembered at the head
        (read once) with what the decides before it in its group stage; else counted."""
        head = deciding_head(channel_of(hub_id))
        if head is None:
            return await self._checkins.count_documents({"hub_id": hub_id, **OPEN, **LIVE})
        known = self._open.at(hub_id, head)
        if known.ids is None:
            docs = await self._checkins.find({"hub_id": hub_id, **OPEN, **LIVE}, {"_id": 1}).to_list()
            known.ids = {doc["_id"] for doc in docs}
        # A staged tombstone names no hub: it can only close one of these.
        pending = [doc for doc in staged(CHECKINS).values() if doc.get("hub_id", hub_id) == hub_id]
        if not pending:
            return len(known.ids)
        ids = set(known.ids)
        for doc in pending:
            if is_open(doc):
                ids.add(doc["_id"])
            else:
                ids.discard(doc["_id"])
        return len(ids)

    def logged(self, channel: str, seq: int, event: str, ops: list[Doc]) -> None:
        """The log's observer (``EventLog.observe``): carry each hub's open check-ins forward over
        event ``seq`` of its channel."""
        self._open.told(channel.partition(":")[2], seq, event, ops, carry)

    async def _open_of_user(self, user_id: str) -> list[Doc]:
        for hub in await self.hub_docs():
            await self._events.catch_up(channel_of(hub["_id"]))
        return await self._checkins.find({"user_id": user_id, **OPEN, **LIVE}).to_list()

    async def _sync_user_hub(self, user_id: str) -> None:
        """Tell presence where the user is now, from the stored truth (called under their lease)."""
        if self._user_hub_hook is None:
            return
        open_doc = await self._checkins.find_one({"user_id": user_id, **OPEN, **LIVE})
        try:
            await self._user_hub_hook(user_id, None if open_doc is None else open_doc["hub_id"])
        except Exception:
            # Presence is a live hint; the check-in itself is stored. Never fail the change for it.
            log.exception("could not update the presence hub of user %s", user_id)

    @asynccontextmanager
    async def _lease_for(self, doc: Doc) -> AsyncIterator[None]:
        if doc.get("user_id") is None:
            yield
            return
        async with self._leases.hold(doc["user_id"]):
            yield

    def _now(self) -> datetime:
        # MongoDB keeps milliseconds: answer with what a later read will show.
        now = self._clock()
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    @staticmethod
    def _own_copy(doc: Doc) -> CheckinOut:
        return checkin_out(doc, names=True, contact=False)
