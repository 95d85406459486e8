"""Every domain service of one process, built once from its dependencies.

The hub and the workers build the same services, so a worker calls the very code a request would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from hub.events.log import EventLog, EventSink
from hub.hubs.wiring import Hubs, build_hubs, collection_audit
from hub.identity.sessions import SessionService
from hub.identity.users import UserStore
from hub.rights import Rights
from hub.settings import Settings
from schemas.common import utc_now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: AsyncDatabase[dict[str, Any]]
    redis: Redis
    events: EventLog
    users: UserStore
    sessions: SessionService
    rights: Rights
    hubs: Hubs

    async def ensure_indexes(self) -> None:
        await self.events.ensure_indexes(retention_days=self.settings.event_retention_days)
        await self.users.ensure_indexes()
        await self.sessions.ensure_indexes()
        await self.hubs.ensure_indexes()

    async def bootstrap(self) -> None:
        """Create the first admin from the settings when no admin exists yet."""
        settings = self.settings
        if settings.admin_email and settings.admin_password and not await self.users.any_admin():
            await self.users.create(
                email=settings.admin_email,
                name="Admin",
                role="admin",
                password=settings.admin_password.get_secret_value(),
            )
            log.info("created the first admin account")
        await self.hubs.bootstrap()


def build_services(
    *,
    settings: Settings,
    db: AsyncDatabase[dict[str, Any]],
    redis: Redis,
    sink: EventSink | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Services:
    """``clock`` is "now" for the domain services that schedule by time (tests pass their own)."""
    users = UserStore(db)
    events = EventLog(db, sink=sink)
    rights = Rights()
    return Services(
        settings=settings,
        db=db,
        redis=redis,
        events=events,
        users=users,
        sessions=SessionService(db, users=users, ttl_s=settings.session_ttl_s),
        rights=rights,
        hubs=build_hubs(
            db,
            events=events,
            rights=rights,
            retention_days=settings.visitor_retention_days,
            audit=collection_audit(db),
            clock=clock,
        ),
    )
