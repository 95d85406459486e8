"""The hubs domain as one object for ``Services``: check-ins, statistics and retention."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from hub.events.log import EventLog
from hub.hubs.model import Doc
from hub.hubs.retention import AuditHook, VisitorRetention
from hub.hubs.service import Clock, HubService
from hub.hubs.stats import VisitStats
from hub.rights import Rights
from schemas.common import utc_now


@dataclass(frozen=True)
class Hubs:
    service: HubService
    stats: VisitStats
    retention: VisitorRetention

    async def ensure_indexes(self) -> None:
        await self.service.ensure_indexes()
        await self.retention.ensure_indexes()

    async def bootstrap(self) -> None:
        await self.service.ensure_seeded()


def build_hubs(
    db: AsyncDatabase[Doc],
    *,
    events: EventLog,
    rights: Rights,
    retention_days: int,
    audit: AuditHook,
    clock: Clock = utc_now,
) -> Hubs:
    service = HubService(db, events=events, rights=rights, clock=clock)
    return Hubs(
        service=service,
        stats=VisitStats(db, hubs=service, events=events, rights=rights, clock=clock),
        retention=VisitorRetention(
            db, events=events, rights=rights, retention_days=retention_days, audit=audit, clock=clock
        ),
    )


def collection_audit(db: AsyncDatabase[Doc]) -> AuditHook:
    """Audit entries in the ``audit`` collection (replaced by the identity audit log once merged)."""
    from hub.ids import new_id
    from schemas.events import Actor

    async def record(actor: Actor, action: str, target: str, details: dict[str, str]) -> None:
        await db["audit"].insert_one(
            {
                "_id": new_id(),
                "at": utc_now(),
                "actor": actor.model_dump(),
                "action": action,
                "target": target,
                "details": details,
            }
        )

    return record
