"""arq job: send one LINE delivery, together with every due delivery of the same text (multicast)."""

from __future__ import annotations

from typing import Any

from workers.outbox import run_delivery


async def send_line(ctx: dict[str, Any], delivery_id: str) -> None:
    await run_delivery(ctx, delivery_id)
