"""The port through which a check-in by registration code asks the events domain (hub/gatherings/)
whether the code may arrive here and now, and tells it once it has (docs/gatherings.md, "Arrival").

The hubs domain keeps the check-in; the events domain keeps the registration and its seat counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from schemas.hubs import EventAttendance


@dataclass(frozen=True, slots=True)
class Admission:
    registration_id: str
    event_id: str
    name: str | None


class RegistrationArrivals(Protocol):
    async def admit(self, hub_id: str, code: str) -> Admission:
        """The registration this code names at this hub now; raises ``NotFound`` for an unknown code
        and ``Conflict`` (with a sentence in Japanese and English) for one that may not arrive."""

    async def arrived(self, admission: Admission, *, checkin_id: str, at: datetime) -> None:
        """Record the arrival (once, whatever retries) and tell the event's host."""

    async def attendance(self, hub_id: str, *, start: datetime, end: datetime) -> list[EventAttendance]:
        """The events at this hub starting in ``[start, end)``, with their seat counts (hub stats)."""


def arrival_checkin_id(registration_id: str) -> str:
    """One registration arrives once: its check-in's id is derived from it."""
    return f"reg_{registration_id}"
