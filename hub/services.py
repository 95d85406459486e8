"""Every domain service of one process, built once from its dependencies.

The hub and the workers build the same services, so a worker calls the very code a request would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

if TYPE_CHECKING:
    from arq.connections import ArqRedis

from hub import limits
from hub.announcements.wiring import Announcements, build_announcements
from hub.boards.access import ProjectBoards
from hub.boards.cards import CardService
from hub.boards.columns import ColumnService
from hub.boards.comments import CardNotes
from hub.boards.notices import Notices
from hub.boards.service import BoardService
from hub.boards.store import BoardStore
from hub.errors import Conflict
from hub.events.bus import RedisEventSink, RedisRightsNews
from hub.events.log import EventLog, EventSink
from hub.events.presence import PresenceStore
from hub.events.turns import RedisTurns
from hub.hubs.wiring import Hubs, build_hubs
from hub.identity.accounts import AccountService
from hub.identity.audit import AuditLog
from hub.identity.orgs import OrgStore
from hub.identity.recovery import PasswordRecovery
from hub.identity.sessions import SessionService
from hub.identity.throttle import LoginThrottle, RequestLimiter
from hub.identity.tokens import AccountTokens
from hub.identity.users import UserStore
from hub.notifications.delivery import DeliveryRunner
from hub.notifications.queue import JobQueue
from hub.notifications.wiring import Notifications, build_notifications
from hub.projects.join_requests import JoinRequestService
from hub.projects.service import ProjectService
from hub.projects.store import ProjectStore
from hub.residents.wiring import Residents, build_residents
from hub.rights import Rights
from hub.settings import Settings
from hub.webhooks.wiring import Webhooks, build_webhooks
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
    boards: BoardService
    board_store: BoardStore
    columns: ColumnService
    cards: CardService
    card_notes: CardNotes
    board_notices: Notices
    orgs: OrgStore
    audit: AuditLog
    throttle: LoginThrottle
    accounts: AccountService
    account_tokens: AccountTokens
    recovery: PasswordRecovery
    project_store: ProjectStore
    projects: ProjectService
    join_requests: JoinRequestService
    hubs: Hubs
    presence: PresenceStore
    notifications: Notifications
    residents: Residents
    announcements: Announcements
    webhooks: Webhooks
    # Sends one delivery of any channel (e-mail, LINE, a partner's webhook).
    deliveries: DeliveryRunner

    async def ensure_indexes(self) -> None:
        await self.events.ensure_indexes(retention_days=self.settings.event_retention_days)
        await self.users.ensure_indexes()
        await self.sessions.ensure_indexes()
        await self.account_tokens.ensure_indexes()
        await self.orgs.ensure_indexes()
        await self.audit.ensure_indexes()
        await self.project_store.ensure_indexes()
        await self.board_store.ensure_indexes()
        await self.hubs.ensure_indexes()
        await self.notifications.ensure_indexes()
        await self.webhooks.ensure_indexes()
        await self.residents.ensure_indexes()
        await self.announcements.ensure_indexes()

    async def bootstrap(self) -> None:
        """Create the first admin from the settings when no admin exists yet."""
        settings = self.settings
        if settings.admin_email and settings.admin_password and not await self.users.any_admin():
            try:
                await self.users.create(
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
    users = UserStore(db)
    # Every event is published for the other instances' sockets, from requests and workers alike.
    # Writers of a board or a hub take turns across instances rather than racing for the next seq.
    events = EventLog(db, sink=sink or RedisEventSink(redis), turns=RedisTurns(redis, kinds=("board", "hub")))
    presence = PresenceStore(redis)
    rights_news = RedisRightsNews(redis)
    sessions = SessionService(db, users=users, ttl_s=settings.session_ttl_s, rights_news=rights_news)
    rights = Rights()
    orgs = OrgStore(db)
    audit = AuditLog(db)
    queue = JobQueue(arq)
    # First the one entrance for notifications: every domain that tells people something is handed it.
    notifications = build_notifications(
        db, settings=settings, events=events, users=users, queue=queue, clock=clock
    )
    notify = notifications.notifier
    project_store = ProjectStore(db)
    projects = ProjectService(
        store=project_store, users=users, rights=rights, audit=audit, rights_news=rights_news
    )
    hubs = build_hubs(
        db,
        events=events,
        rights=rights,
        retention_days=settings.visitor_retention_days,
        audit=audit,
        clock=clock,
        user_hub_hook=presence.set_user_hub,
    )
    board_store = BoardStore(db)
    board_notices = Notices(store=board_store, users=users, rights=rights, notify=notify)
    # Residents without an account (LINE followers, e-mail subscribers): announcements reach them.
    residents = build_residents(
        db, settings=settings, events=events, rights=rights, notifications=notifications, clock=clock
    )
    boards = BoardService(
        store=board_store,
        events=events,
        rights=rights,
        directory=ProjectBoards(projects=projects, store=project_store),
    )
    # Last, partner webhooks: they follow every domain through its events.
    webhooks = build_webhooks(
        db,
        settings=settings,
        events=events,
        users=users,
        orgs=orgs,
        projects=projects,
        rights=rights,
        outbox=notifications.outbox,
        queue=queue,
        redis=redis,
        clock=clock,
    )
    account_tokens = AccountTokens(db, secret_key=settings.secret_key.get_secret_value())
    recovery = PasswordRecovery(
        users=users,
        tokens=account_tokens,
        sessions=sessions,
        mail=notifications.account_mail,
        audit=audit,
        rights=rights,
        per_account=RequestLimiter(
            redis,
            prefix="dejima:reset:acct",
            max_count=limits.PASSWORD_RESET_MAX_PER_ACCOUNT,
            window_s=limits.PASSWORD_RESET_WINDOW_S,
        ),
        per_address=RequestLimiter(
            redis,
            prefix="dejima:reset:addr",
            max_count=limits.PASSWORD_RESET_MAX_PER_ADDRESS,
            window_s=limits.PASSWORD_RESET_WINDOW_S,
        ),
        clock=clock,
    )
    return Services(
        settings=settings,
        db=db,
        redis=redis,
        events=events,
        users=users,
        sessions=sessions,
        rights=rights,
        orgs=orgs,
        audit=audit,
        throttle=LoginThrottle(
            redis,
            max_per_account=settings.login_max_failures_per_account,
            max_per_address=settings.login_max_failures_per_address,
            window_s=settings.login_lockout_s,
        ),
        accounts=AccountService(
            users=users, orgs=orgs, sessions=sessions, audit=audit, rights=rights, recovery=recovery
        ),
        account_tokens=account_tokens,
        recovery=recovery,
        project_store=project_store,
        projects=projects,
        join_requests=JoinRequestService(
            store=project_store, projects=projects, users=users, rights=rights, audit=audit, notify=notify
        ),
        hubs=hubs,
        notifications=notifications,
        announcements=build_announcements(
            db,
            settings=settings,
            events=events,
            users=users,
            hubs=hubs.service,
            projects=projects,
            rights=rights,
            notifications=notifications,
            residents=residents,
            clock=clock,
        ),
        residents=residents,
        webhooks=webhooks,
        deliveries=DeliveryRunner(
            db,
            settings=settings,
            users=users,
            outbox=notifications.outbox,
            webhooks=webhooks.sender,
            clock=clock,
        ),
        presence=presence,
        boards=boards,
        board_store=board_store,
        columns=ColumnService(boards=boards, store=board_store),
        cards=CardService(boards=boards, store=board_store, notices=board_notices),
        card_notes=CardNotes(boards=boards, store=board_store, events=events, notices=board_notices),
        board_notices=board_notices,
    )
