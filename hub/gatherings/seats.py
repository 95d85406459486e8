"""Seats: registering (with or without an account), cancelling by code, and the waiting list.

Seats are exact under any concurrency and over any number of hub instances because the seat counts
live on the event's one document and every change of them is decided on the hub's channel of the
event log (docs/gatherings.md, "Seats under a rush"): ``decide`` reads the counts at the channel's
head, and of two writers only one gets the next seq (the unique ``(ch, seq)`` index); the other
decides again on the new counts. No multi-document transaction is needed: the event document and
the registration are two ops of one logged event, applied (and re-applied after a crash) by the log.

A rush queues: the registrations waiting in one process are decided as a group in one turn (the
log's groups, hub/events/log.py), each on the documents the ones before it write (``staged``), and
on the event and its taken codes remembered at the head (hub/gatherings/remembered.py), so that a
registration in a group costs no read.
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.errors import Conflict, Forbidden, NotFound, Unavailable
from hub.events.log import Decision, EventLog, Unchanged, deciding_head, staged
from hub.gatherings.model import (
    GATHERINGS,
    LIVE,
    REGISTRATION,
    REGISTRATIONS,
    channel_of,
    counts_data,
    new_code,
    new_registration,
    put,
    registration_out,
)
from hub.gatherings.notices import Kind, RegistrantNotices
from hub.gatherings.remembered import HubSeats, carry, seats_by_hub
from hub.gatherings.service import EventCatalogue, HubDirectory
from hub.ids import new_id
from hub.principal import Principal
from hub.rights import Rights
from schemas.common import utc_now
from schemas.events import Change
from schemas.gatherings import MemberRegistrationBody, PublicRegistrationBody, RegistrationOut

log = logging.getLogger(__name__)

# Fresh codes tried before giving up: with 887 million codes, a second try is already rare.
_CODE_TRIES = 20


class Seats:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        events: EventLog,
        rights: Rights,
        catalogue: EventCatalogue,
        hubs: HubDirectory,
        notices: RegistrantNotices,
        clock: Clock = utc_now,
    ) -> None:
        self._gatherings = db[GATHERINGS]
        self._registrations = db[REGISTRATIONS]
        self._events = events
        self._rights = rights
        self._catalogue = catalogue
        self._hubs = hubs
        self._notices = notices
        self._clock = clock
        self._remembered = seats_by_hub()

    async def ensure_indexes(self) -> None:
        # A code names one registration of its event (a second guard besides the check in decide).
        await self._registrations.create_index([("event_id", ASCENDING), ("code", ASCENDING)], unique=True)
        await self._registrations.create_index([("event_id", ASCENDING), ("order", ASCENDING)])
        await self._registrations.create_index([("code", ASCENDING)])
        await self._registrations.create_index([("event_id", ASCENDING), ("user_id", ASCENDING)])

    # --- registering ---------------------------------------------------------------------------------

    async def register_public(self, event: Doc, body: PublicRegistrationBody) -> RegistrationOut:
        """Register for ``event`` (a public event as ``EventCatalogue.public_doc`` read it; its
        seats are decided again at the channel's head)."""
        doc, _ = await self._register(
            event,
            public=True,
            name=body.name,
            email=body.email,
            line_user_id=body.line_user_id,
            user_id=None,
            party_size=body.party_size,
            locale=body.locale,
        )
        return registration_out(doc)

    async def register_member(
        self, principal: Principal, event_id: str, body: MemberRegistrationBody
    ) -> tuple[RegistrationOut, bool]:
        """→ the registration, and whether it is new (registering twice answers the first)."""
        event = await self._catalogue.readable(principal, event_id)
        if not self._rights.may_register_for_event(principal):
            raise Forbidden("a kiosk checks registrants in; it does not register")
        doc, created = await self._register(
            event,
            public=False,
            name=principal.name,
            email=None,
            line_user_id=None,
            user_id=principal.id,
            party_size=body.party_size,
            locale=principal.locale,
        )
        return registration_out(doc), created

    async def _register(
        self,
        event: Doc,
        *,
        public: bool,
        name: str,
        email: str | None,
        line_user_id: str | None,
        user_id: str | None,
        party_size: int,
        locale: str,
    ) -> tuple[Doc, bool]:
        """→ the registration, and False when the account had one already (answered again).
        ``public``: registering without an account, for a public event only."""
        registration_id = new_id()
        chosen: list[Doc] = []

        channel = channel_of(event["hub_id"])

        async def decide() -> Decision:
            # Every read here goes through the group's staged documents and what is remembered at
            # the head: the change may be decided in a group (hub/events/log.py).
            chosen.clear()
            head = deciding_head(channel)
            known = None if head is None else self._remembered.at(event["hub_id"], head)
            current = await self._event_at_head(known, event["_id"])
            # Registering without an account: public at the head, whatever the caller read before.
            if current is None or (public and current["visibility"] != "public"):
                raise NotFound("no such event")
            self._require_open(current)
            if user_id is not None:
                existing = await self._active_of_user(current["_id"], user_id)
                if existing is not None:
                    return Unchanged(existing)
            code = await self._free_code(known, current["_id"])
            fits = current["registered"] + party_size <= current["capacity"]
            order = int(current.get("next_order", 0)) + 1
            updated = {
                **current,
                "next_order": order,
                "registered": current["registered"] + (party_size if fits else 0),
                "waitlisted": current["waitlisted"] + (0 if fits else party_size),
            }
            registration = new_registration(
                registration_id,
                event=current,
                code=code,
                name=name,
                party_size=party_size,
                status="registered" if fits else "waitlisted",
                order=order,
                at=self._clock(),
                email=email,
                line_user_id=line_user_id,
                user_id=user_id,
                locale=locale,
            )
            chosen.append(registration)
            return Change(
                event=REGISTRATION,
                data=counts_data(updated),
                ops=[put(GATHERINGS, updated), put(REGISTRATIONS, registration)],
            )

        # No actor: the hub's channel never says who registered (API.md: counts, never names).
        result = await self._events.commit(channel, decide, actor=None, grouped=True)
        if isinstance(result, Unchanged):
            assert result.doc is not None
            return result.doc, False
        registration = chosen[0]
        kind: Kind = "confirmed" if registration["status"] == "registered" else "waitlisted"
        await self._tell(kind, registration, event)
        return registration, True

    def _require_open(self, event: Doc) -> None:
        if event["status"] == "cancelled":
            raise Conflict("the event is cancelled", details={"reason": "event_cancelled"})
        if self._clock() >= event["ends_at"]:
            raise Conflict("the event has ended", details={"reason": "event_ended"})

    def logged(self, channel: str, seq: int, event: str, ops: list[Doc]) -> None:
        """The log's observer (``EventLog.observe``): carry what is remembered of the hub forward
        over event ``seq`` of its channel (``NOT_LOGGED``: a group's event was not logged after all)."""
        self._remembered.told(channel.partition(":")[2], seq, event, ops, carry)

    async def _event_at_head(self, known: HubSeats | None, event_id: str) -> Doc | None:
        """The live event document at the deciding head: as a group's earlier changes left it, as
        remembered there, or as stored."""
        doc = staged(GATHERINGS).get(event_id)
        if doc is None and known is not None:
            doc = known.events.get(event_id)
        if doc is None:
            doc = await self._gatherings.find_one({"_id": event_id})
            if doc is not None and known is not None:
                known.events[event_id] = doc
        return None if doc is None or doc.get("_deleted") else doc

    async def _free_code(self, known: HubSeats | None, event_id: str) -> str:
        """A code no registration of the event holds (checked against the codes remembered at the
        head, read once; or, outside a ``decide``, one look-up a try)."""
        taken = None
        if known is not None:
            taken = known.codes.get(event_id)
            if taken is None:
                docs = await self._registrations.find({"event_id": event_id}, {"code": 1}).to_list()
                taken = {doc["code"] for doc in docs if "code" in doc}
                taken |= {
                    doc["code"]
                    for doc in staged(REGISTRATIONS).values()
                    if doc.get("event_id") == event_id and "code" in doc
                }
                known.codes[event_id] = taken
        for _ in range(_CODE_TRIES):
            code = new_code()
            if taken is not None:
                if code not in taken:
                    return code
            elif await self._registrations.find_one({"event_id": event_id, "code": code}, {"_id": 1}) is None:
                return code
        raise Unavailable("could not find a free registration code; try again")

    async def _active_of_user(self, event_id: str, user_id: str) -> Doc | None:
        """The account's registered or waitlisted registration of the event (through a group's
        staged registrations)."""
        pending = staged(REGISTRATIONS)
        active = ["registered", "waitlisted"]
        for doc in pending.values():
            if (
                doc.get("event_id") == event_id
                and doc.get("user_id") == user_id
                and doc.get("status") in active
            ):
                return doc
        query: Doc = {"event_id": event_id, "user_id": user_id, "status": {"$in": active}, **LIVE}
        if pending:
            query["_id"] = {"$nin": list(pending)}
        return await self._registrations.find_one(query)

    # --- cancelling and the waiting list -------------------------------------------------------------

    async def cancel(self, registration_id: str, code: str) -> RegistrationOut:
        """Cancel with the registration's code (a wrong code → 404, as for an unknown registration)."""
        found = await self._registrations.find_one({"_id": registration_id, **LIVE}, {"hub_id": 1})
        if found is None:
            raise NotFound("no registration with this code")
        await self._events.catch_up(channel_of(found["hub_id"]))
        doc = await self._registrations.find_one({"_id": registration_id, **LIVE})
        if doc is None or not hmac.compare_digest(doc["code"].encode(), code.encode()):
            raise NotFound("no registration with this code")
        promoted: list[Doc] = []

        async def decide() -> Decision:
            promoted.clear()
            current = await self._registrations.find_one({"_id": registration_id, **LIVE})
            if current is None:
                raise NotFound("no registration with this code")
            if current["status"] == "cancelled":
                return Unchanged(current)
            if current.get("arrived_at") is not None:
                raise Conflict("this registration has arrived already; it cannot be cancelled")
            event = await self._gatherings.find_one({"_id": current["event_id"], **LIVE})
            assert event is not None, current["event_id"]
            seats = current["party_size"]
            was_registered = current["status"] == "registered"
            event = {
                **event,
                "registered": event["registered"] - (seats if was_registered else 0),
                "waitlisted": event["waitlisted"] - (0 if was_registered else seats),
            }
            cancelled = {**current, "status": "cancelled", "cancelled_at": self._clock()}
            moved: list[Doc] = []
            if was_registered and event["status"] == "scheduled" and event["waitlisted"]:
                event, moved = self.promotions(event, await self.waiting(event["_id"]), now=self._clock())
                promoted.extend(moved)
            return Change(
                event=REGISTRATION,
                data=counts_data(event),
                ops=[
                    put(GATHERINGS, event),
                    put(REGISTRATIONS, cancelled),
                    *(put(REGISTRATIONS, r) for r in moved),
                ],
            )

        result = await self._events.commit(channel_of(doc["hub_id"]), decide, actor=None)
        after = await self._registrations.find_one({"_id": registration_id})
        assert after is not None
        if not isinstance(result, Unchanged):
            event = await self._catalogue.doc(after["event_id"])
            await self._tell("cancelled", after, event)
            for registration in promoted:
                await self._tell("promoted", registration, event)
        return registration_out(after)

    async def waiting(self, event_id: str) -> list[Doc]:
        """The waiting list in order of arrival."""
        return (
            await self._registrations.find({"event_id": event_id, "status": "waitlisted", **LIVE})
            .sort("order", ASCENDING)
            .to_list()
        )

    @staticmethod
    def promotions(event: Doc, waiting: list[Doc], *, now: datetime) -> tuple[Doc, list[Doc]]:
        """Free seats go to the first waitlisted registrations that fit, in order of arrival (a party
        too large for the seats left keeps its place; a smaller one behind it may take them).
        → the event with its counts after, and the promoted registrations."""
        free = event["capacity"] - event["registered"]
        moved: list[Doc] = []
        for registration in waiting:
            if free <= 0:
                break
            if registration["party_size"] <= free:
                free -= registration["party_size"]
                moved.append({**registration, "status": "registered", "promoted_at": now})
        seats = sum(r["party_size"] for r in moved)
        after = {
            **event,
            "registered": event["registered"] + seats,
            "waitlisted": event["waitlisted"] - seats,
        }
        return after, moved

    async def _tell(self, kind: Kind, registration: Doc, event: Doc) -> None:
        if not self._notices.reachable(registration):
            return  # the page showed the code; nobody to tell, nothing to read
        try:
            hub = await self._hubs.hub(event["hub_id"])
            await self._notices.tell(kind, registration, event, hub=hub)
        except Exception:
            # The seat is taken or freed (logged): failing the request now would make the person
            # register twice. The message is lost; the page showed the code anyway.
            log.exception("could not tell registration %s (%s)", registration["_id"], kind)
