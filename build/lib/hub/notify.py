"""The one entrance for notifications: the port every domain that tells people something is handed.

Design note: docs/notifications.md. A domain names a cause (what happened, with an id that makes a
retry notify once), who is told, and what; the notifications domain turns it into one
``notification.created`` event per person on their ``user:{id}`` channel (pushed live like every
event) and the e-mail / LINE deliveries their preferences ask for. Domains import this port, never
the notifications package, so that they can be built before it is complete.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from schemas.notifications import Priority


class Notify(Protocol):
    async def notify(
        self,
        *,
        cause_id: str,
        kind: str,
        user_ids: list[str],
        data: dict[str, Any],
        priority: Priority = "normal",
        content: dict[str, Any] | None = None,
        link: str = "/notifications",
        announcement_id: str | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        """Tell ``user_ids`` of a cause, once per ``cause_id`` whatever happens to this process."""

    async def has_cause(self, cause_id: str) -> bool:
        """Whether this cause was notified already (its recipients need not be worked out again)."""
