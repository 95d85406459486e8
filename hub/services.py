"""Every domain service of one process, built once from its dependencies.

The hub and the workers build the same services, so a worker calls the very code a request would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

if TYPE_CHECKING:
    from arq.connections import ArqRedis

from hub import limits
from hub.announcements.wiring import Announcements, build_announcements
from hub.boards.wiring import Boards, build_boards
from hub.calendar.wiring import Calendar, build_calendar
from hub.errors import Conflict
from hub.events.bus import RedisEventSink, RedisRightsNews
from hub.events.log import EventLog, EventSink
from hub.events.presence import PresenceStore
from hub.events.turns import RedisTurns
from hub.gatherings.wiring import Gatherings, build_gatherings
from hub.hubs.wiring import Hubs, build_hubs
from hub.identity.passwords import PasswordCost, Passwords
from hub.identity.throttle import RequestLimiter
from hub.identity.users import UserStore
from hub.identity.wiring import Identity, build_identity
from hub.notifications.delivery import DeliveryRunner
from hub.notifications.queue import JobQueue
from hub.notifications.wiring import Notifications, build_notifications
from hub.projects.wiring import Projects, build_projects
from hub.residents.wiring import Residents, build_residents
from hub.rights import Rights
from hub.settings import Settings
from hub.storage.marks import RedisChangeMarks
from hub.webhooks.wiring import Webhooks, build_webhooks
from schemas.common import utc_now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """The kernel (settings, clients, the event log, presence, the rule book), then one object per
    domain, each built by its ``wiring.py`` and with its own ``ensure_indexes``."""

    settings: Settings
    db: AsyncDatabase[dict[str, Any]]
    redis: Redis
    events: EventLog
    presence: PresenceStore
    rights: Rights
    identity: Identity
    notifications: Notifications
    projects: Projects
    hubs: Hubs
    gatherings: Gatherings
    boards: Boards
    calendar: Calendar
    residents: Residents
    announcements: Announcements
    webhooks: Webhooks
    # Sends one delivery of any channel (e-mail, LINE, a partner's webhook): notifications' and
    # webhooks', so it is built after both.
    deliveries: DeliveryRunner

    async def ensure_indexes(self) -> None:
        await self.events.ensure_indexes()
        for domain in (
            self.identity,
            self.notifications,
            self.projects,
            self.hubs,
            self.gatherings,
            self.boards,
            self.calendar,
            self.residents,
            self.announcements,
            self.webhooks,
        ):
            await domain.ensure_indexes()

    async def bootstrap(self) -> None:
        """Create the first admin from the settings when no admin exists yet."""
        settings = self.settings
        users = self.identity.users
        if settings.admin_email and settings.admin_password and not await users.any_admin():
            try:
                await users.create(
                    email=settings.admin_email,
                    name="Admin",
                    role="admin",
                    password=settings.admin_password.get_secret_value(),
                )
            except Conflict:
                # Another instance starting at the same moment created it first.
                return
            log.info("created the first admin account")
        await self.hubs.bootstrap()


def build_services(
    *,
    settings: Settings,
    db: AsyncDatabase[dict[str, Any]],
    redis: Redis,
    sink: EventSink | None = None,
    clock: Callable[[], datetime] = utc_now,
    arq: ArqRedis | None = None,
) -> Services:
    """``clock`` is "now" for the domain services that schedule by time (tests pass their own).
    ``arq`` enqueues jobs (the hub's pool, or a worker's own); without it the sweeper does."""
    # Every event is published for the other instances' sockets, from requests and workers alike.
    # Writers of a board or a hub take turns across instances rather than racing for the next seq.
    events = EventLog(db, sink=sink or RedisEventSink(redis), turns=RedisTurns(redis, kinds=("board", "hub")))
    presence = PresenceStore(redis)
    rights_news = RedisRightsNews(redis)
    rights = Rights()
    # People are needed by notifications, whose account mail identity needs in turn.
    # Marks of changed sessions, accounts and projects: what a request reads of them is reused a moment.
    marks = RedisChangeMarks(redis)
    passwords = Passwords(
        PasswordCost(
            time_cost=settings.password_time_cost,
            memory_kib=settings.password_memory_kib,
            parallelism=settings.password_parallelism,
        )
    )
    users = UserStore(db, marks=marks, passwords=passwords)
    # First the one entrance for notifications: every domain that tells people something is handed it.
    notifications = build_notifications(
        db, settings=settings, events=events, users=users, queue=JobQueue(arq), clock=clock
    )
    notify = notifications.notifier
    identity = build_identity(
        db,
        settings=settings,
        redis=redis,
        users=users,
        rights=rights,
        rights_news=rights_news,
        marks=marks,
        mail=notifications.account_mail,
        clock=clock,
    )
    projects = build_projects(
        db,
        users=users,
        rights=rights,
        audit=identity.audit,
        rights_news=rights_news,
        notify=notify,
        marks=marks,
    )
    hubs = build_hubs(
        db,
        events=events,
        rights=rights,
        retention_days=settings.visitor_retention_days,
        audit=identity.audit,
        clock=clock,
        user_hub_hook=presence.set_user_hub,
    )
    # Events at the hubs: after the hubs (whose channels count their seats) and notifications; the
    # hubs' check-in by registration code asks them back through the port handed in here.
    gatherings = build_gatherings(
        db,
        events=events,
        rights=rights,
        hubs=hubs.service,
        notify=notify,
        mail=notifications.guest_mail,
        per_address=RequestLimiter(
            redis,
            prefix="dejima:events:addr",
            max_count=settings.event_registrations_per_address,
            window_s=limits.EVENT_REGISTRATION_WINDOW_S,
        ),
        public_url=settings.public_url,
        reminder_h=settings.event_reminder_h,
        retention_days=settings.visitor_retention_days,
        clock=clock,
    )
    hubs.service.serve_arrivals(gatherings.arrivals)
    boards = build_boards(
        db,
        events=events,
        rights=rights,
        users=users,
        notify=notify,
        projects=projects,
        clock=clock,
        zone=settings.zone,
        due_soon=timedelta(hours=settings.due_soon_h),
        attachment_max_bytes=settings.attachment_max_bytes,
    )
    # Residents without an account (LINE followers, e-mail subscribers): announcements reach them.
    residents = build_residents(
        db, settings=settings, events=events, rights=rights, notifications=notifications, clock=clock
    )
    announcements = build_announcements(
        db,
        settings=settings,
        events=events,
        users=users,
        hubs=hubs.service,
        projects=projects.service,
        rights=rights,
        notifications=notifications,
        residents=residents,
        clock=clock,
    )
    calendar = build_calendar(
        db,
        users=users,
        follows=boards.follows,
        public_url=settings.public_url,
        clock=clock,
        # The events a person registered for (hub/gatherings/calendar.py).
        events=gatherings.calendar,
    )
    # Last, partner webhooks: they follow every domain through its events.
    webhooks = build_webhooks(
        db,
        settings=settings,
        events=events,
        users=users,
        orgs=identity.orgs,
        projects=projects.service,
        rights=rights,
        outbox=notifications.outbox,
        queue=notifications.queue,
        redis=redis,
        clock=clock,
    )
    return Services(
        settings=settings,
        db=db,
        redis=redis,
        events=events,
        presence=presence,
        rights=rights,
        identity=identity,
        notifications=notifications,
        projects=projects,
        hubs=hubs,
        gatherings=gatherings,
        boards=boards,
        calendar=calendar,
        residents=residents,
        announcements=announcements,
        webhooks=webhooks,
        deliveries=DeliveryRunner(
            db,
            settings=settings,
            users=users,
            outbox=notifications.outbox,
            webhooks=webhooks.sender,
            clock=clock,
        ),
    )
