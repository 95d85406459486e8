"""Scheduled jobs of events at the hubs: reminders before the start and the registrants' retention.

Both call the domain services with the time from ``ctx["clock"]`` when a test puts one there.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

from schemas.common import utc_now
from workers.context import services_of


def _now(ctx: dict[str, Any]) -> datetime:
    clock = ctx.get("clock", utc_now)
    now: datetime = clock()
    return now


async def remind_registrants(ctx: dict[str, Any]) -> int:
    """Remind registrants ``DEJIMA_EVENT_REMINDER_H`` before the start (one worker per event)."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    return await services_of(ctx).gatherings.reminders.send_due(now=_now(ctx), worker=worker)


async def purge_registrants(ctx: dict[str, Any]) -> int:
    """Erase registrants' names and contacts past the retention period; counts stay."""
    return await services_of(ctx).gatherings.retention.purge(now=_now(ctx))
