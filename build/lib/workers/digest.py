"""The daily digest job (hub/notifications/digest.py)."""

from __future__ import annotations

from typing import Any

from workers.context import services_of


async def send_digests(ctx: dict[str, Any]) -> int:
    return await services_of(ctx).notifications.digest.run_once()
