"""Periodic repairs that make "a crash at any moment loses nothing" hold without waiting for traffic."""

from __future__ import annotations

from typing import Any

from workers.context import services_of

# Twice the sweep period, so a channel written just before one sweep is still seen by the next.
CATCH_UP_WINDOW_S = 20.0


async def catch_up_channels(ctx: dict[str, Any]) -> int:
    return await services_of(ctx).events.catch_up_recent(window_s=CATCH_UP_WINDOW_S)
