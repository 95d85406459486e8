"""Partner webhooks as one object for ``Services``, built last: the follower reads every domain's
events from the log (it follows the domains, none of them calls it), the store keeps the endpoints,
the sender signs and posts one delivery. Design note: docs/notifications.md, "Partner webhooks"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from hub.clock import Clock
from hub.events.log import EventLog
from hub.identity.orgs import OrgStore
from hub.identity.users import UserStore
from hub.notifications.outbox import Outbox
from hub.notifications.queue import JobQueue
from hub.projects.service import ProjectService
from hub.rights import Rights
from hub.settings import Settings
from hub.webhooks.breaker import Breaker
from hub.webhooks.follow import WebhookFollower
from hub.webhooks.send import WebhookSender
from hub.webhooks.store import WebhookStore


@dataclass(frozen=True)
class Webhooks:
    store: WebhookStore
    follower: WebhookFollower
    sender: WebhookSender

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes()


def build_webhooks(
    db: AsyncDatabase[dict[str, Any]],
    *,
    settings: Settings,
    events: EventLog,
    users: UserStore,
    orgs: OrgStore,
    projects: ProjectService,
    rights: Rights,
    outbox: Outbox,
    queue: JobQueue,
    redis: Redis,
    clock: Clock,
) -> Webhooks:
    store = WebhookStore(db, settings=settings, orgs=orgs, rights=rights, clock=clock)
    follower = WebhookFollower(
        db=db,
        events=events,
        webhooks=store,
        projects=projects,
        users=users,
        rights=rights,
        outbox=outbox,
        queue=queue,
        clock=clock,
    )
    sender = WebhookSender(
        settings=settings,
        webhooks=store,
        follower=follower,
        outbox=outbox,
        breaker=Breaker(redis),
        clock=clock,
    )
    return Webhooks(store=store, follower=follower, sender=sender)
