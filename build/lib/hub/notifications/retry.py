"""When to try a failed delivery again: the settings' delays, never sooner than ``Retry-After``."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from schemas.common import utc_now


def retry_at(
    delays_s: list[float], *, attempts: int, now: datetime, retry_after_s: float | None = None
) -> datetime | None:
    """When to try again after ``attempts`` failed attempts, or None when the delays are used up."""
    if attempts > len(delays_s):
        return None
    delay = delays_s[max(attempts, 1) - 1]
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return now + timedelta(seconds=delay)


def retry_after_s(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds: either delay-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - utc_now()).total_seconds())
