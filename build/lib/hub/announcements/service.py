"""Announcements: compose, schedule, publish once, acknowledge, remind.

Design note: docs/notifications.md. The ``announcements`` collection is the author's side: what was
written and where it stands (``scheduled`` → ``publishing`` → ``published``). Readers see an
announcement only through the event log: ``announcement.published`` on ``announcements`` or on the
audience hubs' channels (``announcement_posts``), and a ``notification.created`` on each recipient's
``user:`` channel. Publishing is one atomic step (``scheduled`` → ``publishing``) that exactly one
worker wins; every step after it is idempotent and re-run by the sweeper if a process dies.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.announcements.audience import Audiences
from hub.announcements.model import ACKS, ANNOUNCEMENTS, POSTS, content_of, to_out
from hub.clock import Clock
from hub.doc import Doc
from hub.errors import Forbidden, InvalidRequest, NotFound
from hub.events.log import Decision, EventLog, Unchanged
from hub.identity.users import UserStore
from hub.ids import idempotent_id
from hub.limits import CAUSE_STALE_S
from hub.notifications.queue import JobQueue
from hub.notifications.records import NotificationRecords
from hub.notifications.times import at, ms
from hub.notify import Notify
from hub.principal import Principal
from hub.residents.sending import ResidentSender
from hub.rights import Rights
from hub.settings import Settings
from schemas.announcements import AnnouncementIn, AnnouncementOut, Audience
from schemas.events import Actor, Change, Put
from schemas.jobs import PUBLISH, REACH_RESIDENTS, REMIND, publish_job_id, reach_job_id, remind_job_id

log = logging.getLogger(__name__)


def cause_of(announcement_id: str) -> str:
    return f"announcement:{announcement_id}"


class AnnouncementService:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        settings: Settings,
        events: EventLog,
        users: UserStore,
        audiences: Audiences,
        notify: Notify,
        records: NotificationRecords,
        rights: Rights,
        queue: JobQueue,
        residents: ResidentSender,
        clock: Clock,
    ) -> None:
        self._residents = residents
        self._announcements = db[ANNOUNCEMENTS]
        self._posts = db[POSTS]
        self._acks = db[ACKS]
        self._settings = settings
        self._events = events
        self._users = users
        self._audiences = audiences
        self._notify = notify
        self._records = records
        self._rights = rights
        self._queue = queue
        self._clock = clock

    async def ensure_indexes(self) -> None:
        await self._announcements.create_index([("status", DESCENDING), ("publish_at_ms", DESCENDING)])
        await self._announcements.create_index([("author_id", DESCENDING), ("created_at", DESCENDING)])
        # The public archive, newest first (hub/announcements/public.py).
        await self._announcements.create_index(
            [("public", DESCENDING), ("status", DESCENDING), ("published_at_ms", DESCENDING)]
        )
        await self._acks.create_index("announcement_id")

    # --- writing and publishing -----------------------------------------------------------------------

    async def create(self, principal: Principal, body: AnnouncementIn, *, key: str | None) -> AnnouncementOut:
        if not self._rights.may_announce(principal):
            raise Forbidden("only the DX office (admins and members) may announce")
        announcement_id = idempotent_id(caller_id=principal.id, scope="announcements", key=key)
        existing = await self._announcements.find_one({"_id": announcement_id})
        if existing is not None:
            return to_out(existing)
        now = self._clock()
        publish_at = body.publish_at if body.publish_at is not None and body.publish_at > now else now
        if body.expires_at is not None and body.expires_at <= publish_at:
            raise InvalidRequest(
                "expires_at must be after publish_at",
                details={"fields": [{"path": "expires_at", "message": "must be after publish_at (or now)"}]},
            )
        await self._audiences.validate(principal, body.audience)
        doc: Doc = {
            "_id": announcement_id,
            **body.model_dump(exclude={"publish_at", "expires_at", "audience"}),
            "audience": body.audience.model_dump(exclude_none=True),
            "author_id": principal.id,
            "author_name": principal.name,
            "created_at": now,
            "publish_at": publish_at,
            "publish_at_ms": ms(publish_at),
            "expires_at": body.expires_at,
            "status": "scheduled",
            "published_at_ms": 0,
            "updated_at_ms": ms(now),
            "reminder": "none",
            "remind_at_ms": 0,
        }
        try:
            await self._announcements.insert_one(doc)
        except DuplicateKeyError:
            return to_out(await self._get(announcement_id))
        if publish_at <= now:
            await self.publish(announcement_id)
        else:
            await self._queue.enqueue(
                PUBLISH,
                job_id=publish_job_id(announcement_id),
                defer_until=publish_at,
                announcement_id=announcement_id,
            )
        return to_out(await self._get(announcement_id))

    async def publish(self, announcement_id: str) -> bool:
        """Publish when due: True when this call made the change. Safe to call any number of times."""
        now = self._clock()
        won = await self._announcements.find_one_and_update(
            {"_id": announcement_id, "status": "scheduled", "publish_at_ms": {"$lte": ms(now)}},
            {"$set": {"status": "publishing", "published_at_ms": ms(now), "updated_at_ms": ms(now)}},
            return_document=ReturnDocument.AFTER,
        )
        doc = won or await self._announcements.find_one({"_id": announcement_id})
        if doc is None or doc["status"] != "publishing":
            return False
        await self._deliver(doc)
        return won is not None

    async def _deliver(self, doc: Doc) -> None:
        """Everything publishing means, each step idempotent: posts, notifications, the reminder."""
        announcement_id = doc["_id"]
        audience = Audience.model_validate(doc["audience"])
        urgent = doc["priority"] == "urgent"
        out = to_out(doc)
        for channel in await self._audiences.channels(audience, urgent=urgent):
            await self._post(channel, out, author=doc)
        cause_id = cause_of(announcement_id)
        recipients = (
            [] if await self._notify.has_cause(cause_id) else await self._audiences.recipients(audience)
        )
        await self._notify.notify(
            cause_id=cause_id,
            kind="announcement",
            user_ids=recipients,
            data={"announcement_id": announcement_id, "priority": doc["priority"]},
            priority=doc["priority"],
            content=content_of(doc),
            link=f"/announcements#{announcement_id}",
            announcement_id=announcement_id,
            expires_at=doc.get("expires_at"),
        )
        fields: Doc = {"status": "published", "updated_at_ms": ms(self._clock())}
        if audience.reaches_residents and doc.get("residents") is None:
            fields["residents"] = "pending"
        remind_at = None
        if urgent and doc.get("reminder", "none") == "none":
            remind_at = self._clock() + timedelta(seconds=self._settings.urgent_reminder_s)
            fields.update(reminder="pending", remind_at_ms=ms(remind_at))
        await self._announcements.update_one(
            {"_id": announcement_id, "status": "publishing"}, {"$set": fields}
        )
        if audience.reaches_residents:
            # Thousands of deliveries: written by a job, not in the author's request. Without a
            # queue (or when Redis fails) here and now; the sweeper's run_due is the safety net.
            queued = await self._queue.enqueue(
                REACH_RESIDENTS, job_id=reach_job_id(announcement_id), announcement_id=announcement_id
            )
            if not queued:
                await self.reach_residents(announcement_id)
        if remind_at is not None:
            await self._queue.enqueue(
                REMIND,
                job_id=remind_job_id(announcement_id),
                defer_until=remind_at,
                announcement_id=announcement_id,
            )
        log.info("published announcement %s", announcement_id)

    async def reach_residents(self, announcement_id: str) -> bool:
        """Write the announcement's deliveries to residents, once (``residents``: pending → done).

        Idempotent (one delivery per resident and announcement), so a job run twice, or the
        sweeper after a dead worker, adds nobody twice. True when this call did it.
        """
        doc = await self._announcements.find_one({"_id": announcement_id})
        if doc is None or doc.get("residents") != "pending":
            return False
        audience = Audience.model_validate(doc["audience"])
        await self._residents.send(
            announcement_id=announcement_id,
            topics=audience.topics,
            content=content_of(doc),
            urgent=doc["priority"] == "urgent",
            public=bool(doc.get("public")),
            expires_at=doc.get("expires_at"),
        )
        await self._announcements.update_one(
            {"_id": announcement_id, "residents": "pending"},
            {"$set": {"residents": "done", "updated_at_ms": ms(self._clock())}},
        )
        return True

    async def _post(self, channel: str, out: AnnouncementOut, *, author: Doc) -> None:
        post_id = f"{out.id}@{channel}"

        async def decide() -> Decision:
            if await self._posts.find_one({"_id": post_id, "_deleted": {"$ne": True}}, {"_id": 1}):
                return Unchanged()
            data = out.model_dump(mode="json", exclude={"acknowledged_at"})
            data["status"] = "published"
            return Change(
                event="announcement.published",
                data=data,
                ops=[
                    Put(collection=POSTS, doc={"_id": post_id, "announcement_id": out.id, "channel": channel})
                ],
            )

        await self._events.commit(
            channel,
            decide,
            actor=Actor(id=author["author_id"], name=author.get("author_name", "")),
        )

    async def remind(self, announcement_id: str) -> datetime | None:
        """Remind the recipients of an urgent notice who have not acknowledged it, by every channel.

        Returns when to try again if it is not due yet. The reminder is one cause: re-running it after
        a crash reaches the same people once.
        """
        doc = await self._announcements.find_one({"_id": announcement_id})
        if doc is None or doc.get("reminder") != "pending" or doc["status"] != "published":
            return None
        now = self._clock()
        if doc["remind_at_ms"] > ms(now):
            return at(doc["remind_at_ms"])
        expires_at = doc.get("expires_at")
        cause_id = f"reminder:{announcement_id}"
        if expires_at is None or expires_at > now:
            pending: list[str] = []
            if not await self._notify.has_cause(cause_id):
                acked = {
                    a["user_id"]
                    for a in await self._acks.find({"announcement_id": announcement_id}).to_list()
                }
                pending = [
                    uid for uid in await self._records.recipients_of(announcement_id) if uid not in acked
                ]
            await self._notify.notify(
                cause_id=cause_id,
                kind="announcement.reminder",
                user_ids=pending,
                data={"announcement_id": announcement_id, "priority": "urgent"},
                priority="urgent",
                content=content_of(doc),
                link=f"/announcements#{announcement_id}",
                expires_at=expires_at,
            )
            if Audience.model_validate(doc["audience"]).reaches_residents:
                await self._residents.remind(
                    announcement_id=announcement_id, content=content_of(doc), expires_at=expires_at
                )
        await self._announcements.update_one({"_id": announcement_id}, {"$set": {"reminder": "done"}})
        return None

    async def run_due(self) -> int:
        """The sweeper's part: publish what is due, finish publications and reminders cut short."""
        now_ms = ms(self._clock())
        done = 0
        scheduled = await self._announcements.find(
            {"status": "scheduled", "publish_at_ms": {"$lte": now_ms}}, {"_id": 1}
        ).to_list()
        stale = await self._announcements.find(
            {"status": "publishing", "updated_at_ms": {"$lt": now_ms - CAUSE_STALE_S * 1000}}, {"_id": 1}
        ).to_list()
        for doc in scheduled:
            done += int(await self.publish(doc["_id"]))
        for doc in stale:  # a publication cut short: finish it
            await self.publish(doc["_id"])
            done += 1
        reminders = await self._announcements.find(
            {"reminder": "pending", "status": "published", "remind_at_ms": {"$lte": now_ms}}, {"_id": 1}
        ).to_list()
        for doc in reminders:
            await self.remind(doc["_id"])
        # Residents' deliveries whose job was lost (a killed worker, Redis away).
        unsent = await self._announcements.find(
            {"residents": "pending", "updated_at_ms": {"$lt": now_ms - CAUSE_STALE_S * 1000}}, {"_id": 1}
        ).to_list()
        for doc in unsent:
            await self.reach_residents(doc["_id"])
        return done + len(reminders) + len(unsent)

    async def _get(self, announcement_id: str) -> Doc:
        doc = await self._announcements.find_one({"_id": announcement_id})
        if doc is None:
            raise NotFound("no such announcement")
        return doc
