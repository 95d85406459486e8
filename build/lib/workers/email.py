"""arq job: send one e-mail delivery (hub/notifications/mail.py does the SMTP part)."""

from __future__ import annotations

from typing import Any

from workers.outbox import run_delivery


async def send_email(ctx: dict[str, Any], delivery_id: str) -> None:
    await run_delivery(ctx, delivery_id)
