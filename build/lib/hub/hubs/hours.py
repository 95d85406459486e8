"""Time-zone arithmetic of a hub's day: local dates, their bounds, and closing instants.

Every computation goes through ``zoneinfo`` with the hub's IANA zone, so "closing time" and "a day"
mean what the clock on the hub's wall says, daylight saving time included where a zone has it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.errors import InvalidRequest

ONE_DAY = timedelta(days=1)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidRequest(
            "unknown time zone", details={"fields": [{"path": "timezone", "message": str(error)}]}
        ) from error


def time_of_day(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins on the hub's wall clock."""
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def _closing_on(day: date, close: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, close, tzinfo=tz).astimezone(UTC)


def last_closing(now: datetime, *, close: time, tz: ZoneInfo) -> datetime:
    """The most recent closing instant at or before ``now``."""
    today = local_day(now, tz)
    for back in range(3):
        candidate = _closing_on(today - timedelta(days=back), close, tz)
        if candidate <= now:
            return candidate
    raise AssertionError("a closing instant exists within any 48 hours")  # pragma: no cover


def next_closing(after: datetime, *, close: time, tz: ZoneInfo) -> datetime:
    """The first closing instant strictly after ``after``."""
    day = local_day(after, tz)
    for ahead in range(-1, 3):
        candidate = _closing_on(day + timedelta(days=ahead), close, tz)
        if candidate > after:
            return candidate
    raise AssertionError("a closing instant exists within any 48 hours")  # pragma: no cover
