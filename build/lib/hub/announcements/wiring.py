"""The announcements domain as one object for ``Services``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hub.announcements.audience import Audiences
from hub.announcements.public import PublicAnnouncements
from hub.announcements.reading import AnnouncementReads
from hub.announcements.service import AnnouncementService
from hub.clock import Clock
from hub.events.log import EventLog
from hub.hubs.service import HubService
from hub.identity.users import UserStore
from hub.notifications.wiring import Notifications
from hub.projects.service import ProjectService
from hub.residents.wiring import Residents
from hub.rights import Rights
from hub.settings import Settings


@dataclass(frozen=True)
class Announcements:
    service: AnnouncementService
    reads: AnnouncementReads
    public: PublicAnnouncements

    async def ensure_indexes(self) -> None:
        await self.service.ensure_indexes()


def build_announcements(
    db: AsyncDatabase[dict[str, Any]],
    *,
    settings: Settings,
    events: EventLog,
    users: UserStore,
    hubs: HubService,
    projects: ProjectService,
    rights: Rights,
    notifications: Notifications,
    residents: Residents,
    clock: Clock,
) -> Announcements:
    audiences = Audiences(users=users, hubs=hubs, projects=projects, topics=residents.topics, rights=rights)
    records = notifications.records
    return Announcements(
        service=AnnouncementService(
            db,
            settings=settings,
            events=events,
            users=users,
            audiences=audiences,
            notify=notifications.notifier,
            records=records,
            rights=rights,
            queue=notifications.queue,
            residents=residents.sender,
            clock=clock,
        ),
        reads=AnnouncementReads(
            db,
            events=events,
            users=users,
            records=records,
            rights=rights,
            followers=residents.followers,
            resident_sender=residents.sender,
            clock=clock,
        ),
        public=PublicAnnouncements(db, clock=clock),
    )
