"""Quiet hours: a person's e-mail and LINE messages that are not urgent wait until their quiet hours
end (in-app records are made at once). Design note: docs/notifications.md ("Preferences").
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from schemas.notifications import PreferencesOut

# API.md: quiet hours are in Asia/Tokyo unless the user has a time zone.
DEFAULT_TIME_ZONE = "Asia/Tokyo"


def hold_until(prefs: PreferencesOut, now: datetime) -> datetime | None:
    """When quiet hours hold a normal message back, the moment they end (UTC); else None."""
    quiet = prefs.quiet_hours
    if quiet is None:
        return None
    return hold_within(quiet.start, quiet.end, prefs.time_zone or DEFAULT_TIME_ZONE, now)


def hold_within(start_at: str, end_at: str, time_zone: str, now: datetime) -> datetime | None:
    """When quiet hours ``start_at``–``end_at`` ("HH:MM", local to ``time_zone``) hold a message
    back at ``now``, the moment they end (UTC); else None. Residents' town-wide hours use it too."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    start, end = _clock(start_at), _clock(end_at)
    moment = local.time().replace(tzinfo=None)
    if start < end:
        if not start <= moment < end:
            return None
        end_day = local.date()
    else:  # spans midnight, e.g. 22:00–07:00
        if end <= moment < start:
            return None
        end_day = local.date() if moment < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(now.tzinfo)


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))
