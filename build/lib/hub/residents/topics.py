"""Topics the office defines (防災, 子育て …): followers and subscribers choose among them, and an
announcement may be addressed to them. Logged on the ``residents`` channel (``topic.saved``)."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.errors import Conflict, Forbidden, InvalidRequest
from hub.events.log import Decision, EventLog, Unchanged
from hub.limits import MAX_RESIDENT_TOPICS
from hub.principal import Principal
from hub.residents.model import CHANNEL, TOPICS, topic_out
from hub.rights import Rights
from schemas.events import Change, Put
from schemas.residents import TopicIn, TopicOut


class TopicService:
    def __init__(self, db: AsyncDatabase[Doc], *, events: EventLog, rights: Rights, clock: Clock) -> None:
        self._topics = db[TOPICS]
        self._events = events
        self._rights = rights
        self._clock = clock

    async def create(self, principal: Principal, body: TopicIn) -> TopicOut:
        """A new topic; the same key with the same names again is a no-op, other names a 409."""
        if not self._rights.may_define_topics(principal):
            raise Forbidden("only admins define topics")
        doc: Doc = {"_id": body.key, "name": body.name.model_dump(), "created_at": self._clock()}

        async def decide() -> Decision:
            existing = await self._topics.find_one({"_id": body.key, "_deleted": {"$ne": True}})
            if existing is not None:
                if existing["name"] == doc["name"]:
                    return Unchanged(existing)
                raise Conflict(f"the topic {body.key!r} exists with other names")
            count = await self._topics.count_documents({"_deleted": {"$ne": True}})
            if count >= MAX_RESIDENT_TOPICS:
                raise Conflict(f"at most {MAX_RESIDENT_TOPICS} topics (a LINE quick-reply menu's size)")
            data = {"key": body.key, "name": doc["name"]}
            return Change(event="topic.saved", data=data, ops=[Put(collection=TOPICS, doc=doc)])

        await self._events.commit(CHANNEL, decide, actor=principal.actor)
        return topic_out(doc)

    async def all(self) -> list[TopicOut]:
        docs = await self._topics.find({"_deleted": {"$ne": True}}).sort("created_at", 1).to_list()
        return [topic_out(doc) for doc in docs]

    async def keys(self) -> set[str]:
        return {t.key for t in await self.all()}

    async def require_known(self, keys: list[str], *, path: str) -> None:
        """Unknown topic keys are 422, each named."""
        known = await self.keys()
        wrong = [
            {"path": f"{path}.{index}", "message": f"no topic {key!r}"}
            for index, key in enumerate(keys)
            if key not in known
        ]
        if wrong:
            raise InvalidRequest("unknown topics", details={"fields": wrong})
