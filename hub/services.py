"""Every domain service of one process, built once from its dependencies.

The hub and the workers build the same services, so a worker calls the very code a request would.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from hub.boards.access import StoredBoards
from hub.boards.cards import CardService
from hub.boards.comments import CardNotes
from hub.boards.notices import Notices
from hub.boards.service import BoardService
from hub.events.log import EventLog, EventSink
from hub.identity.sessions import SessionService
from hub.identity.users import UserStore
from hub.notifications import records as notification_records
from hub.rights import Rights
from hub.settings import Settings

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
    cards: CardService
    card_notes: CardNotes
    board_notices: Notices

    async def ensure_indexes(self) -> None:
        await self.events.ensure_indexes(retention_days=self.settings.event_retention_days)
        await self.users.ensure_indexes()
        await self.sessions.ensure_indexes()
        await self.boards.ensure_indexes()
        await notification_records.ensure_indexes(self.db)

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


def build_services(
    *,
    settings: Settings,
    db: AsyncDatabase[dict[str, Any]],
    redis: Redis,
    sink: EventSink | None = None,
) -> Services:
    users = UserStore(db)
    events = EventLog(db, sink=sink)
    rights = Rights()
    board_notices = Notices(db, rights=rights)
    boards = BoardService(db, events=events, rights=rights, directory=StoredBoards(db))
    return Services(
        settings=settings,
        db=db,
        redis=redis,
        events=events,
        users=users,
        sessions=SessionService(db, users=users, ttl_s=settings.session_ttl_s),
        rights=rights,
        boards=boards,
        cards=CardService(boards=boards, notices=board_notices),
        card_notes=CardNotes(boards=boards, events=events, notices=board_notices),
        board_notices=board_notices,
    )
