"""The calendar domain as one object for ``Services``: a person's secret feed address and its
RFC 5545 text."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from hub.boards.follows import Follows
from hub.calendar.service import CalendarService, RegisteredEvents
from hub.clock import Clock
from hub.doc import Doc
from hub.identity.users import UserStore


@dataclass(frozen=True)
class Calendar:
    service: CalendarService

    async def ensure_indexes(self) -> None:
        await self.service.ensure_indexes()


def build_calendar(
    db: AsyncDatabase[Doc],
    *,
    users: UserStore,
    follows: Follows,
    public_url: str,
    clock: Clock,
    events: RegisteredEvents | None = None,
) -> Calendar:
    """``events``: the hub events a person registered for, when a domain holds them."""
    return Calendar(
        service=CalendarService(
            db, users=users, follows=follows, public_url=public_url, clock=clock, events=events
        )
    )
