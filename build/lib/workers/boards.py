"""Board jobs: the sweep that makes assignment and mention notifications survive a crash, the due
reminders, and the sweep of attachment bytes no card names (an upload or deletion whose process
died)."""

from __future__ import annotations

from typing import Any

from hub.limits import ATTACHMENT_ORPHAN_AGE_S
from workers.context import services_of

# The sweep runs every minute; ten minutes of history covers a worker restart or two.
NOTICE_SWEEP_WINDOW_S = 600.0


async def sweep_board_notifications(ctx: dict[str, Any]) -> int:
    return await services_of(ctx).boards.notices.sweep(window_s=NOTICE_SWEEP_WINDOW_S)


async def sweep_attachments(ctx: dict[str, Any]) -> int:
    return await services_of(ctx).boards.attachments.sweep(older_than_s=ATTACHMENT_ORPHAN_AGE_S)


async def send_due_reminders(ctx: dict[str, Any]) -> int:
    """``card.due_soon`` and ``card.overdue`` whose moment has come (hub/boards/reminders.py)."""
    return await services_of(ctx).boards.reminders.sweep()
