"""RFC 5545 text: a VCALENDAR of VEVENTs, escaped and folded as the RFC says.

Written by hand (it is small): TEXT values escape backslash, semicolon, comma and line breaks
(3.3.11); lines longer than 75 octets fold with CRLF and a space, never inside a UTF-8 character
(3.1); every line ends with CRLF. Times are UTC (``...Z``), so no VTIMEZONE is needed; a date is an
all-day event (``VALUE=DATE``, DTEND the next day, non-inclusive), which Google Calendar and Apple
Calendar both show as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

PRODID = "-//Dejima//Dejima calendar 1.1//JA"


@dataclass(frozen=True)
class Entry:
    """One VEVENT. ``uid`` must stay the same across edits so that calendars update, not duplicate."""

    uid: str
    summary: str
    start: date | datetime  # a date: all day
    end: date | datetime | None = None
    description: str = ""
    url: str = ""
    location: str = ""
    stamp: datetime | None = None
    sequence: int = 0
    cancelled: bool = False


def escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """``line`` folded into pieces of at most 75 octets (the first), 74 plus a space (the rest)."""
    out: list[str] = []
    piece, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(piece)
            piece, size, limit = "", 0, 74
        piece += char
        size += width
    out.append(piece)
    return "\r\n ".join(out)


def _utc(value: datetime) -> str:
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(name: str, value: date | datetime) -> str:
    if isinstance(value, datetime):
        return f"{name}:{_utc(value)}"
    return f"{name};VALUE=DATE:{value.strftime('%Y%m%d')}"


def _event(entry: Entry, now: datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape(entry.uid)}",
        f"DTSTAMP:{_utc(entry.stamp or now)}",
        _when("DTSTART", entry.start),
    ]
    end = entry.end
    if end is None and not isinstance(entry.start, datetime):
        end = entry.start + timedelta(days=1)
    if end is not None:
        lines.append(_when("DTEND", end))
    lines.append(f"SUMMARY:{escape(entry.summary)}")
    if entry.description:
        lines.append(f"DESCRIPTION:{escape(entry.description)}")
    if entry.location:
        lines.append(f"LOCATION:{escape(entry.location)}")
    if entry.url:
        lines.append(f"URL:{entry.url}")
    lines.append(f"SEQUENCE:{entry.sequence}")
    if entry.cancelled:
        lines.append("STATUS:CANCELLED")
    lines.append("END:VEVENT")
    return lines


def calendar(entries: Iterable[Entry], *, name: str, now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        # Calendar apps refetch at their own pace; this asks for hourly where they listen.
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for entry in entries:
        lines.extend(_event(entry, now))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
