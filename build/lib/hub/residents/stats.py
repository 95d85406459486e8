"""Resident statistics for the office: counts only, never a LINE id or an address."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from hub.doc import Doc
from hub.errors import Forbidden
from hub.principal import Principal
from hub.residents.model import COUNTERS, FOLLOWERS, SUBSCRIBERS
from hub.residents.topics import TopicService
from hub.rights import Rights
from schemas.residents import ResidentStats, TopicCount


class ResidentStatistics:
    def __init__(self, db: AsyncDatabase[Doc], *, topics: TopicService, rights: Rights) -> None:
        self._followers = db[FOLLOWERS]
        self._subscribers = db[SUBSCRIBERS]
        self._counters = db[COUNTERS]
        self._topics = topics
        self._rights = rights

    async def stats(self, principal: Principal) -> ResidentStats:
        if not self._rights.may_read_resident_stats(principal):
            raise Forbidden("only the office sees resident statistics")
        confirmed: Doc = {"state": "confirmed"}
        unfollows = await self._counters.find_one({"_id": "unfollows"})
        per_topic = [
            TopicCount(
                key=topic.key,
                followers=await self._followers.count_documents({"topics": topic.key}),
                subscribers=await self._subscribers.count_documents({**confirmed, "topics": topic.key}),
            )
            for topic in await self._topics.all()
        ]
        return ResidentStats(
            followers=await self._followers.count_documents({}),
            subscribers=await self._subscribers.count_documents(confirmed),
            pending_subscribers=await self._subscribers.count_documents({"state": "pending"}),
            unfollows=int((unfollows or {}).get("n", 0)),
            topics=per_topic,
        )
