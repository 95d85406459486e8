"""Seats: registering (with or without an account), cancelling by code, and the waiting list.

Seats are exact under any concurrency and over any number of hub instances because the seat counts
live on the event's one document and every change of them is decided on the hub's channel of the
event log (docs/gatherings.md, "Seats under a rush"): ``decide`` reads the counts at the channel's
head, and of two writers only one gets the next seq (the unique ``(ch, seq)`` index); the other
decides again on the new counts. No multi-document transaction is needed: the event document and
the registration are two ops of one logged event, applied (and re-applied after a crash) by the log.
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
from hub.events.log import Decision, EventLog, Unchanged
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
        name: str,
        email: str | None,
        line_user_id: str | None,
        user_id: str | None,
        party_size: int,
        locale: str,
    ) -> tuple[Doc, bool]:
        """→ the registration, and False when the account had one already (answered again)."""
        registration_id = new_id()
        chosen: list[Doc] = []

        async def decide() -> Decision:
            chosen.clear()
            current = await self._gatherings.find_one({"_id": event["_id"], **LIVE})
            if current is None:
                raise NotFound("no such event")
            self._require_open(current)
            if user_id is not None:
                existing = await self._active_of_user(current["_id"], user_id)
                if existing is not None:
                    return Unchanged(existing)
            code = await self._free_code(current["_id"])
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
        result = await self._events.commit(channel_of(event["hub_id"]), decide, actor=None)
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

    async def _free_code(self, event_id: str) -> str:
        for _ in range(_CODE_TRIES):
            code = new_code()
            if await self._registrations.find_one({"event_id": event_id, "code": code}, {"_id": 1}) is None:
                return code
        raise Unavailable("could not find a free registration code; try again")

    async def _active_of_user(self, event_id: str, user_id: str) -> Doc | None:
        return await self._registrations.find_one(
            {
                "event_id": event_id,
                "user_id": user_id,
                "status": {"$in": ["registered", "waitlisted"]},
                **LIVE,
            }
        )

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
        try:
            hub = await self._hubs.hub(event["hub_id"])
            await self._notices.tell(kind, registration, event, hub=hub)
        except Exception:
            # The seat is taken or freed (logged): failing the request now would make the person
            # register twice. The message is lost; the page showed the code anyway.
            log.exception("could not tell registration %s (%s)", registration["_id"], kind)
