"""The notifications domain as one object for ``Services``: records, preferences, the outbox and its
senders, LINE linking, partner webhooks and the sweeper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from hub.clock import Clock
from hub.events.log import EventLog
from hub.identity.orgs import OrgStore
from hub.identity.users import UserStore
from hub.notifications.account_mail import AccountMailer
from hub.notifications.delivery import DeliveryRunner
from hub.notifications.fanout import Notifier
from hub.notifications.line_link import LineLinking
from hub.notifications.outbox import Outbox
from hub.notifications.preferences import PreferenceStore
from hub.notifications.queue import JobQueue
from hub.notifications.records import NotificationRecords
from hub.notifications.sweeper import Sweeper
from hub.notifications.webhook_breaker import Breaker
from hub.notifications.webhook_follow import WebhookFollower
from hub.notifications.webhook_send import WebhookSender
from hub.notifications.webhooks import WebhookStore
from hub.projects.service import ProjectService
from hub.rights import Rights
from hub.settings import Settings


@dataclass(frozen=True)
class Notifications:
    queue: JobQueue
    outbox: Outbox
    records: NotificationRecords
    preferences: PreferenceStore
    notifier: Notifier
    deliveries: DeliveryRunner
    webhooks: WebhookStore
    follower: WebhookFollower
    line_linking: LineLinking
    sweeper: Sweeper
    account_mail: AccountMailer
    clock: Clock

    async def ensure_indexes(self) -> None:
        await self.outbox.ensure_indexes()
        await self.records.ensure_indexes()
        await self.webhooks.ensure_indexes()
        await self.line_linking.ensure_indexes()


def build_notifications(
    db: AsyncDatabase[dict[str, Any]],
    *,
    settings: Settings,
    events: EventLog,
    users: UserStore,
    orgs: OrgStore,
    projects: ProjectService,
    rights: Rights,
    queue: JobQueue,
    redis: Redis,
    clock: Clock,
) -> Notifications:
    outbox = Outbox(db)
    records = NotificationRecords(db, events=events)
    preferences = PreferenceStore(db, events=events, users=users)
    notifier = Notifier(
        settings=settings,
        users=users,
        outbox=outbox,
        records=records,
        preferences=preferences,
        queue=queue,
        clock=clock,
    )
    webhooks = WebhookStore(db, settings=settings, orgs=orgs, rights=rights, clock=clock)
    follower = WebhookFollower(
        db=db,
        events=events,
        webhooks=webhooks,
        projects=projects,
        users=users,
        rights=rights,
        outbox=outbox,
        queue=queue,
        clock=clock,
    )
    sender = WebhookSender(
        settings=settings,
        webhooks=webhooks,
        follower=follower,
        outbox=outbox,
        breaker=Breaker(redis),
        clock=clock,
    )
    return Notifications(
        queue=queue,
        outbox=outbox,
        records=records,
        preferences=preferences,
        notifier=notifier,
        deliveries=DeliveryRunner(
            db, settings=settings, users=users, outbox=outbox, webhooks=sender, clock=clock
        ),
        webhooks=webhooks,
        follower=follower,
        line_linking=LineLinking(db, settings=settings, users=users, notifier=notifier, clock=clock),
        sweeper=Sweeper(outbox=outbox, notifier=notifier, queue=queue, clock=clock),
        account_mail=AccountMailer(outbox=outbox, queue=queue, clock=clock),
        clock=clock,
    )
