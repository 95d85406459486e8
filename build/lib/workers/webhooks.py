"""arq jobs of partner webhooks: follow the event log into deliveries, and send one delivery."""

from __future__ import annotations

from typing import Any

from workers.context import services_of
from workers.outbox import run_delivery


async def send_webhook(ctx: dict[str, Any], delivery_id: str) -> None:
    await run_delivery(ctx, delivery_id)


async def follow_webhooks(ctx: dict[str, Any]) -> int:
    return await services_of(ctx).webhooks.follower.run_once()
