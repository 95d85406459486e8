"""The hubs domain as one object for ``Services``: check-ins, statistics and retention."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.events.log import EventLog
from hub.hubs.admin import HubAdmin
from hub.hubs.reads import CheckinReads
from hub.hubs.retention import VisitorRetention
from hub.hubs.service import HubService, UserHubHook
from hub.hubs.stats import VisitStats
from hub.identity.audit import AuditLog
from hub.rights import Rights
from schemas.common import utc_now


@dataclass(frozen=True)
class Hubs:
    service: HubService
    admin: HubAdmin
    reads: CheckinReads
    stats: VisitStats
    retention: VisitorRetention

    async def ensure_indexes(self) -> None:
        await self.service.ensure_indexes()
        await self.retention.ensure_indexes()

    async def bootstrap(self) -> None:
        await self.admin.ensure_seeded()


def build_hubs(
    db: AsyncDatabase[Doc],
    *,
    events: EventLog,
    rights: Rights,
    retention_days: int,
    audit: AuditLog,
    clock: Clock = utc_now,
    user_hub_hook: UserHubHook | None = None,
) -> Hubs:
    service = HubService(db, events=events, rights=rights, clock=clock, user_hub_hook=user_hub_hook)
    # The open check-ins a check-in decides on, carried over the hubs' events (hub/hubs/occupancy.py).
    events.observe("hub", service.logged)
    return Hubs(
        service=service,
        admin=HubAdmin(db, hubs=service, events=events, rights=rights),
        reads=CheckinReads(
            db,
            hubs=service,
            events=events,
            rights=rights,
            clock=clock,
            visitor_retention_days=retention_days,
        ),
        stats=VisitStats(db, hubs=service, events=events, rights=rights, clock=clock),
        retention=VisitorRetention(
            db, events=events, rights=rights, retention_days=retention_days, audit=audit, clock=clock
        ),
    )
