"""The notifications domain as one object for ``Services``: the one entrance (``notifier``, the
``hub.notify.Notify`` every notifying domain is handed), records, preferences, the outbox, LINE
linking and the sweeper. It needs no other domain, so it is built before them; partner webhooks
(hub/webhooks/) and the delivery runner that also sends their deliveries are built last."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.events.log import EventLog
from hub.identity.users import UserStore
from hub.notifications.account_mail import AccountMailer
from hub.notifications.digest import DigestSender
from hub.notifications.fanout import Notifier
from hub.notifications.guest_mail import GuestMailer
from hub.notifications.line_link import LineLinking
from hub.notifications.outbox import Outbox
from hub.notifications.preferences import PreferenceStore
from hub.notifications.queue import JobQueue
from hub.notifications.records import NotificationRecords
from hub.notifications.sweeper import Sweeper
from hub.settings import Settings


@dataclass(frozen=True)
class Notifications:
    queue: JobQueue
    outbox: Outbox
    records: NotificationRecords
    preferences: PreferenceStore
    notifier: Notifier
    line_linking: LineLinking
    sweeper: Sweeper
    account_mail: AccountMailer
    guest_mail: GuestMailer
    digest: DigestSender
    clock: Clock

    async def ensure_indexes(self) -> None:
        await self.outbox.ensure_indexes()
        await self.records.ensure_indexes()
        await self.line_linking.ensure_indexes()
        await self.preferences.ensure_indexes()
        await self.digest.ensure_indexes()


def build_notifications(
    db: AsyncDatabase[dict[str, Any]],
    *,
    settings: Settings,
    events: EventLog,
    users: UserStore,
    queue: JobQueue,
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
    return Notifications(
        queue=queue,
        outbox=outbox,
        records=records,
        preferences=preferences,
        notifier=notifier,
        line_linking=LineLinking(db, settings=settings, users=users, notifier=notifier, clock=clock),
        sweeper=Sweeper(outbox=outbox, notifier=notifier, queue=queue, clock=clock),
        account_mail=AccountMailer(outbox=outbox, queue=queue, clock=clock),
        guest_mail=GuestMailer(outbox=outbox, queue=queue, clock=clock),
        digest=DigestSender(
            db,
            settings=settings,
            users=users,
            preferences=preferences,
            records=records,
            outbox=outbox,
            queue=queue,
            clock=clock,
        ),
        clock=clock,
    )
