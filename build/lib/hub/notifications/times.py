"""Times of outbox documents as integer milliseconds since the epoch.

Outbox documents change by ``$set`` (claims, retries, outcomes), and nx-27017 stores a datetime given
to ``$set`` as a string that no longer compares as a time; numbers compare the same everywhere
(MongoDB 7 too). ``0`` means "none" (a ``$set`` of null is not reliably matched by ``{field: null}``).
"""

from __future__ import annotations

from datetime import UTC, datetime


def ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def at(value: int | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)
