"""A registrant arrives: the kiosk's code is admitted here (right hub, right time, a seat), and the
arrival is recorded on the registration and in the event's ``attended`` count; the host is told
once (``event.arrival`` through the ``Notify`` port). Served to the hubs domain through its port
``hub.hubs.arrivals.RegistrationArrivals``; the check-in itself is the hubs domain's."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.errors import Conflict, NotFound
from hub.events.log import Decision, EventLog, Unchanged
from hub.gatherings.model import (
    ARRIVAL,
    GATHERINGS,
    LIVE,
    REGISTRATIONS,
    channel_of,
    counts_data,
    put,
)
from hub.hubs.arrivals import Admission
from hub.limits import EVENT_ARRIVAL_EARLY_S
from hub.notify import Notify
from schemas.common import utc_now
from schemas.events import Change
from schemas.hubs import EventAttendance

log = logging.getLogger(__name__)

# Why a code may not arrive, in both languages (the kiosk shows the one of its screen).
_REFUSALS: dict[str, tuple[str, str]] = {
    "event_cancelled": ("このイベントは中止になりました。", "This event is cancelled."),
    "cancelled": ("この登録は取り消されています。", "This registration is cancelled."),
    "waitlisted": (
        "この登録はキャンセル待ちです。受付の係にお声がけください。",
        "This registration is on the waiting list. Please ask the staff at the desk.",
    ),
    "wrong_hub": (
        "このイベントの会場は別のハブ（{hub}）です。",
        "This event takes place at the other hub ({hub}).",
    ),
    "too_early": (
        "受付は開始 2 時間前（{opens}）からです。",
        "Check-in opens 2 hours before the start ({opens}).",
    ),
    "ended": ("このイベントは終了しました。", "This event has ended."),
}
_EARLY = timedelta(seconds=EVENT_ARRIVAL_EARLY_S)


def refusal(reason: str, **values: str) -> Conflict:
    ja, en = (text.format(**values) for text in _REFUSALS[reason])
    return Conflict(en, details={"reason": reason, "ja": ja, "en": en})


class EventArrivals:
    def __init__(
        self, db: AsyncDatabase[Doc], *, events: EventLog, notify: Notify, clock: Clock = utc_now
    ) -> None:
        self._gatherings = db[GATHERINGS]
        self._registrations = db[REGISTRATIONS]
        self._events = events
        self._notify = notify
        self._clock = clock

    async def admit(self, hub_id: str, code: str) -> Admission:
        # Codes are unique within an event: the same code may name registrations of other events.
        candidates = await self._registrations.find({"code": code, **LIVE}).to_list()
        if not candidates:
            raise NotFound("no registration with this code")
        now = self._clock()
        refusals: list[tuple[int, Conflict]] = []
        for registration in candidates:
            await self._events.catch_up(channel_of(registration["hub_id"]))
            current = await self._registrations.find_one({"_id": registration["_id"], **LIVE})
            event = await self._gatherings.find_one({"_id": registration["event_id"], **LIVE})
            if current is None or event is None:
                continue
            problem = self._problem(current, event, hub_id=hub_id, now=now)
            if problem is None:
                return Admission(
                    registration_id=current["_id"], event_id=event["_id"], name=current.get("name")
                )
            # The most telling refusal: one at this hub first, then the nearest in time.
            rank = (0 if event["hub_id"] == hub_id else 1) * 10**12 + int(
                abs((event["starts_at"] - now).total_seconds())
            )
            refusals.append((rank, problem))
        if not refusals:
            raise NotFound("no registration with this code")
        raise min(refusals, key=lambda item: item[0])[1]

    @staticmethod
    def _problem(registration: Doc, event: Doc, *, hub_id: str, now: datetime) -> Conflict | None:
        if event["status"] == "cancelled":
            return refusal("event_cancelled")
        if registration["status"] == "cancelled":
            return refusal("cancelled")
        if registration["status"] == "waitlisted":
            return refusal("waitlisted")
        if event["hub_id"] != hub_id:
            return refusal("wrong_hub", hub=event["hub_id"])
        if registration.get("arrived_at") is not None:
            return None  # arrived already: the same check-in again
        if now < event["starts_at"] - _EARLY:
            opens = (event["starts_at"] - _EARLY).strftime("%Y-%m-%d %H:%M UTC")
            return refusal("too_early", opens=opens)
        if now >= event["ends_at"]:
            return refusal("ended")
        return None

    async def attendance(self, hub_id: str, *, start: datetime, end: datetime) -> list[EventAttendance]:
        await self._events.catch_up(channel_of(hub_id))
        docs = (
            await self._gatherings.find({"hub_id": hub_id, "starts_at": {"$gte": start, "$lt": end}, **LIVE})
            .sort("starts_at", ASCENDING)
            .to_list()
        )
        return [
            EventAttendance(
                event_id=doc["_id"],
                title=doc["title"],
                starts_at=doc["starts_at"],
                status=doc["status"],
                capacity=doc["capacity"],
                registered=doc.get("registered", 0),
                attended=doc.get("attended", 0),
            )
            for doc in docs
        ]

    async def arrived(self, admission: Admission, *, checkin_id: str, at: datetime) -> None:
        found = await self._registrations.find_one({"_id": admission.registration_id}, {"hub_id": 1})
        if found is None:
            raise NotFound("no such registration")
        counted: list[Doc] = []

        async def decide() -> Decision:
            counted.clear()
            registration = await self._registrations.find_one({"_id": admission.registration_id, **LIVE})
            event = await self._gatherings.find_one({"_id": admission.event_id, **LIVE})
            if registration is None or event is None:
                raise NotFound("no such registration")
            if registration.get("arrived_at") is not None:
                return Unchanged(registration)
            arrived = {**registration, "arrived_at": at, "checkin_id": checkin_id}
            event = {**event, "attended": event.get("attended", 0) + registration["party_size"]}
            counted.append(event)
            return Change(
                event=ARRIVAL,
                data=counts_data(event),
                ops=[put(GATHERINGS, event), put(REGISTRATIONS, arrived)],
            )

        # No actor on the hub's channel: counts, never names (the kiosk's name says where, not who;
        # the check-in event next to it carries the person for those who may see them).
        await self._events.commit(channel_of(found["hub_id"]), decide, actor=None)
        event = counted[0] if counted else await self._gatherings.find_one({"_id": admission.event_id})
        assert event is not None
        await self._tell_host(admission, event)

    async def _tell_host(self, admission: Admission, event: Doc) -> None:
        """Once per registration (the cause id), also when a repeat comes after a crash."""
        counts = f"{event.get('attended', 0)} / {event['registered']}"
        try:
            await self._notify.notify(
                cause_id=f"event.arrival:{admission.registration_id}",
                kind="event.arrival",
                user_ids=[event["created_by"]],
                data={
                    "event_id": event["_id"],
                    "title": event["title"],
                    "attended": event.get("attended", 0),
                },
                content={
                    "ja": {
                        "title": f"「{event['title']}」に参加者が到着しました",
                        "body": f"来場 {counts} 席",
                    },
                    "en": {
                        "title": f"A registrant arrived at “{event['title']}”",
                        "body": f"Attended {counts} seats",
                    },
                },
                link=f"/events/{event['_id']}",
            )
        except Exception:
            # The arrival is recorded; the same code again (or nothing) — never fail the check-in for it.
            log.exception("could not tell the host of event %s of an arrival", event["_id"])
