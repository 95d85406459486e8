"""Periodic repairs that make "a crash at any moment loses nothing" hold without waiting for traffic."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from schemas.common import utc_now
from workers.context import services_of

# Twice the sweep period, so a channel written just before one sweep is still seen by the next.
CATCH_UP_WINDOW_S = 20.0


async def catch_up_channels(ctx: dict[str, Any]) -> int:
    return await services_of(ctx).events.catch_up_recent(window_s=CATCH_UP_WINDOW_S)


async def purge_events(ctx: dict[str, Any]) -> int:
    """Delete the log's events older than ``DEJIMA_EVENT_RETENTION_DAYS`` (hourly: kept that long at
    least, an hour more at most)."""
    services = services_of(ctx)
    now: datetime = ctx.get("clock", utc_now)()
    kept = timedelta(days=services.settings.event_retention_days)
    return await services.events.purge_older_than(now - kept)
