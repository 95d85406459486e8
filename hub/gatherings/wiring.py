"""Events at the hubs as one object for ``Services``: the catalogue, seats, arrivals, host views,
reminders and retention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.events.log import EventLog
from hub.gatherings.arrivals import EventArrivals
from hub.gatherings.calendar import CalendarEntries
from hub.gatherings.hosts import HostViews
from hub.gatherings.notices import GuestMail, RegistrantNotices
from hub.gatherings.reminders import Reminders
from hub.gatherings.retention import RegistrantRetention
from hub.gatherings.seats import Seats
from hub.gatherings.service import EventCatalogue, HubDirectory
from hub.notify import Notify
from hub.rights import Rights
from schemas.common import utc_now


class AddressLimiter(Protocol):
    async def hit(self, value: str) -> None:
        """Count one request from this address; raise ``RateLimited`` past the limit."""


@dataclass(frozen=True)
class Gatherings:
    catalogue: EventCatalogue
    seats: Seats
    arrivals: EventArrivals
    hosts: HostViews
    # The calendar feed's port (hub/calendar/service.py RegisteredEvents).
    calendar: CalendarEntries
    reminders: Reminders
    retention: RegistrantRetention
    # Public registrations per address (API.md: 429 past the limit).
    per_address: AddressLimiter
    retention_days: int

    async def ensure_indexes(self) -> None:
        await self.catalogue.ensure_indexes()
        await self.seats.ensure_indexes()


def build_gatherings(
    db: AsyncDatabase[Doc],
    *,
    events: EventLog,
    rights: Rights,
    hubs: HubDirectory,
    notify: Notify,
    mail: GuestMail,
    per_address: AddressLimiter,
    public_url: str,
    reminder_h: int,
    retention_days: int,
    clock: Clock = utc_now,
) -> Gatherings:
    notices = RegistrantNotices(mail=mail, notify=notify, public_url=public_url)
    catalogue = EventCatalogue(
        db,
        events=events,
        rights=rights,
        hubs=hubs,
        notices=notices,
        retention_days=retention_days,
        clock=clock,
    )
    seats = Seats(
        db, events=events, rights=rights, catalogue=catalogue, hubs=hubs, notices=notices, clock=clock
    )
    # Seats carry what registrations decide on forward over the hubs' events (hub/gatherings/remembered.py).
    events.observe("hub", seats.logged)
    return Gatherings(
        catalogue=catalogue,
        seats=seats,
        arrivals=EventArrivals(db, events=events, notify=notify, clock=clock),
        hosts=HostViews(db, catalogue=catalogue, rights=rights),
        calendar=CalendarEntries(db, hubs=hubs, public_url=public_url),
        reminders=Reminders(db, events=events, hubs=hubs, notices=notices, hours_before=reminder_h),
        retention=RegistrantRetention(db, events=events, retention_days=retention_days),
        per_address=per_address,
        retention_days=retention_days,
    )
