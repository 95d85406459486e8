"""The residents domain as one object for ``Services``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.events.log import EventLog
from hub.notifications.wiring import Notifications
from hub.residents.followers import LineFollowers
from hub.residents.sending import ResidentSender
from hub.residents.stats import ResidentStatistics
from hub.residents.subscribers import Subscribers
from hub.residents.topics import TopicService
from hub.rights import Rights
from hub.settings import Settings


@dataclass(frozen=True)
class Residents:
    topics: TopicService
    followers: LineFollowers
    subscribers: Subscribers
    sender: ResidentSender
    stats: ResidentStatistics

    async def ensure_indexes(self) -> None:
        await self.followers.ensure_indexes()
        await self.subscribers.ensure_indexes()


def build_residents(
    db: AsyncDatabase[dict[str, Any]],
    *,
    settings: Settings,
    events: EventLog,
    rights: Rights,
    notifications: Notifications,
    clock: Clock,
) -> Residents:
    topics = TopicService(db, events=events, rights=rights, clock=clock)
    outbox = notifications.outbox
    subscribers = Subscribers(
        db, settings=settings, topics=topics, outbox=outbox, queue=notifications.queue, clock=clock
    )
    return Residents(
        topics=topics,
        followers=LineFollowers(db, settings=settings, topics=topics, outbox=outbox, clock=clock),
        subscribers=subscribers,
        sender=ResidentSender(
            db,
            settings=settings,
            outbox=outbox,
            queue=notifications.queue,
            subscribers=subscribers,
            clock=clock,
        ),
        stats=ResidentStatistics(db, topics=topics, rights=rights),
    )
