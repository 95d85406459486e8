"""Scheduled jobs of the hubs: check-outs at closing time and the visitors' data retention.

Both call the domain services with the time from ``ctx["clock"]`` when a test puts one there, so
tests decide what "now" is; in production it is the wall clock (UTC).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemas.common import utc_now
from workers.context import services_of


def _now(ctx: dict[str, Any]) -> datetime:
    clock = ctx.get("clock", utc_now)
    now: datetime = clock()
    return now


async def auto_checkout(ctx: dict[str, Any]) -> int:
    """End the check-ins of every hub that has closed; run every minute, so at most a minute late."""
    return await services_of(ctx).hubs.service.close_due(now=_now(ctx))


async def purge_visitors(ctx: dict[str, Any]) -> int:
    """Erase visitors' names and contacts past the retention period; finish interrupted erasures."""
    return await services_of(ctx).hubs.retention.purge(now=_now(ctx))
