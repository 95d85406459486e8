"""A card's ``due``: the form it was given in, and the moment it stands for.

A date (``2026-12-01``) means the end of that day in the town's zone (``DEJIMA_TIMEZONE``): the card
is overdue from midnight on. A date-time without an offset is in that zone too. The card keeps the
given text (``due``, given back as it was) and the moment (``due_at``, UTC) that reminders, the
calendar feed and sorting use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.doc import Doc

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class DuePolicy:
    zone: ZoneInfo
    # How long before the due moment ``card.due_soon`` goes out.
    soon: timedelta


def is_date(given: str) -> bool:
    return _DATE_ONLY.match(given) is not None


def moment(given: str, zone: ZoneInfo) -> datetime:
    """The UTC moment ``given`` stands for (``given`` was validated by ``schemas.boards.Due``)."""
    if is_date(given):
        day = date.fromisoformat(given)
        # The end of that day is the start of the next one; the last day of year 9999 has no next
        # day, so it ends a microsecond before.
        if day == date.max:
            return datetime.combine(day, time.max, tzinfo=zone).astimezone(UTC)
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    value = datetime.fromisoformat(given)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def with_due(doc: Doc, given: str | None, zone: ZoneInfo) -> Doc:
    """``doc`` (a card) with ``due`` and its moment ``due_at`` set (both None without a due)."""
    return {**doc, "due": given, "due_at": None if given is None else moment(given, zone)}
