"""Reading announcements: what reached me, acknowledging it, and who has acknowledged (author, admin).

Acknowledgements belong to the reader's ``user:`` channel (collection ``announcement_acks``, written
by its ``announcement.acknowledged`` events), once per reader however often they press the button.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.announcements.model import ACKS, ANNOUNCEMENTS, POSTS, ack_id, to_out
from hub.announcements.service import cause_of
from hub.clock import Clock
from hub.doc import Doc
from hub.errors import Forbidden, NotFound
from hub.events.log import Decision, EventLog, Unchanged
from hub.identity.users import UserStore
from hub.limits import POSTED_WINDOW_S
from hub.notifications.channel import user_channel
from hub.notifications.records import NotificationRecords, notification_id
from hub.notifications.times import ms
from hub.principal import Principal
from hub.residents.followers import LineFollowers
from hub.residents.sending import ResidentSender
from hub.rights import Rights
from schemas.announcements import AckEntry, AckPerson, AcksOut, AnnouncementOut, Audience, ResidentAckCounts
from schemas.events import Change, Put


class AnnouncementReads:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        events: EventLog,
        users: UserStore,
        records: NotificationRecords,
        rights: Rights,
        followers: LineFollowers,
        resident_sender: ResidentSender,
        clock: Clock,
    ) -> None:
        self._followers = followers
        self._resident_sender = resident_sender
        self._announcements = db[ANNOUNCEMENTS]
        self._acks = db[ACKS]
        self._posts = db[POSTS]
        self._events = events
        self._users = users
        self._records = records
        self._rights = rights
        self._clock = clock

    async def received(self, principal: Principal, *, limit: int) -> list[AnnouncementOut]:
        """What reached the caller, newest first, leaving out expired ones."""
        mine = await self._records.of_user_for_announcements(principal.id)
        if not mine:
            return []
        now = self._clock()
        docs = await self._announcements.find({"_id": {"$in": list(mine)}}).to_list()
        acks = {
            a["announcement_id"]: a["at"]
            for a in await self._acks.find({"user_id": principal.id, "_deleted": {"$ne": True}}).to_list()
        }
        live = [d for d in docs if d.get("expires_at") is None or d["expires_at"] > now]
        live.sort(key=lambda d: (d["published_at_ms"], d["_id"]), reverse=True)
        return [to_out(d, acknowledged_at=acks.get(d["_id"])) for d in live[:limit]]

    async def posted(self, principal: Principal, *, limit: int) -> list[AnnouncementOut]:
        """What the screens show: posted on ``announcements`` or a ``hub:`` channel in the last day.

        Those channels are open to every signed-in caller (``Rights.may_subscribe_*``), so this is
        only what a subscriber of them saw live; it lets a wall that (re)loads show it again, even
        signed in as a kiosk account that receives no notifications of its own.
        """
        if not self._rights.may_subscribe_announcements(principal):
            raise Forbidden("you may not follow announcements")
        now = self._clock()
        since_ms = ms(now - timedelta(seconds=POSTED_WINDOW_S))
        docs = await self._announcements.find(
            {"status": "published", "published_at_ms": {"$gte": since_ms}}
        ).to_list()
        live = {d["_id"]: d for d in docs if d.get("expires_at") is None or d["expires_at"] > now}
        if not live:
            return []
        posts = await self._posts.find(
            {"announcement_id": {"$in": list(live)}, "_deleted": {"$ne": True}},
            {"announcement_id": 1, "channel": 1},
        ).to_list()
        shown = {
            p["announcement_id"]
            for p in posts
            if p["channel"] == "announcements" or str(p["channel"]).startswith("hub:")
        }
        chosen = sorted(
            (live[i] for i in shown), key=lambda d: (d["published_at_ms"], d["_id"]), reverse=True
        )
        return [to_out(d) for d in chosen[:limit]]

    async def authored(self, principal: Principal, *, limit: int) -> list[AnnouncementOut]:
        if not self._rights.may_announce(principal):
            raise Forbidden("only the DX office writes announcements")
        query: Doc = (
            {} if self._rights.may_list_every_announcement(principal) else {"author_id": principal.id}
        )
        docs = await self._announcements.find(query).sort("created_at", DESCENDING).limit(limit).to_list()
        return [to_out(doc) for doc in docs]

    async def get(self, principal: Principal, announcement_id: str) -> AnnouncementOut:
        doc = await self._announcements.find_one({"_id": announcement_id})
        if doc is None:
            raise NotFound("no such announcement")
        if self._rights.may_read_acks(principal, author_id=doc["author_id"]):
            return to_out(doc)
        if not await self._records.received(user_id=principal.id, announcement_id=announcement_id):
            raise NotFound("no such announcement")
        ack = await self._acks.find_one(
            {"_id": ack_id(announcement_id, principal.id), "_deleted": {"$ne": True}}
        )
        return to_out(doc, acknowledged_at=None if ack is None else ack["at"])

    async def ack(self, principal: Principal, announcement_id: str) -> AnnouncementOut:
        """Record that the caller read it (once; again is a no-op) and mark the notification read."""
        doc = await self._announcements.find_one({"_id": announcement_id})
        if doc is None or not await self._records.received(
            user_id=principal.id, announcement_id=announcement_id
        ):
            raise NotFound("no such announcement")
        now = self._clock()
        stored: Doc = {
            "_id": ack_id(announcement_id, principal.id),
            "announcement_id": announcement_id,
            "user_id": principal.id,
            "at": now,
        }

        async def decide() -> Decision:
            if await self._acks.find_one({"_id": stored["_id"], "_deleted": {"$ne": True}}, {"_id": 1}):
                return Unchanged()
            data = {"announcement_id": announcement_id, "user_id": principal.id, "at": now.isoformat()}
            return Change(
                event="announcement.acknowledged", data=data, ops=[Put(collection=ACKS, doc=stored)]
            )

        logged = await self._events.commit(user_channel(principal.id), decide, actor=principal.actor)
        if not isinstance(logged, Unchanged) and doc["author_id"] != principal.id:
            await self._tell_author(doc["author_id"], logged.data, actor=principal)
        record_id = notification_id(
            user_id=principal.id, kind="announcement", cause_id=cause_of(announcement_id)
        )
        await self._records.mark_read(user_id=principal.id, record_id=record_id, now=now)
        return await self.get(principal, announcement_id)

    async def _tell_author(self, author_id: str, data: dict[str, Any], *, actor: Principal) -> None:
        """The author's acknowledgement view follows live: an event on the author's own channel.

        Only a nudge to refresh (the view reads the acks anew); a process that dies before it only
        delays the author's view until its next refresh.
        """

        async def decide() -> Change:
            return Change(event="announcement.ack_received", data=data)

        await self._events.commit(user_channel(author_id), decide, actor=actor.actor)

    async def acks(self, principal: Principal, announcement_id: str) -> AcksOut:
        doc = await self._announcements.find_one({"_id": announcement_id})
        if doc is None:
            raise NotFound("no such announcement")
        if not self._rights.may_read_acks(principal, author_id=doc["author_id"]):
            if await self._records.received(user_id=principal.id, announcement_id=announcement_id):
                raise Forbidden("only the author and admins see who has read it")
            raise NotFound("no such announcement")
        # The author reads what they wrote: they are not someone whose acknowledgement is awaited.
        recipients = [
            uid for uid in await self._records.recipients_of(announcement_id) if uid != doc["author_id"]
        ]
        acked = await self._acks.find(
            {"announcement_id": announcement_id, "_deleted": {"$ne": True}}
        ).to_list()
        acked = [a for a in acked if a["user_id"] != doc["author_id"]]
        acked.sort(key=lambda a: (a["at"], a["user_id"]))
        done = {a["user_id"] for a in acked}
        people = await self._users.names(recipients)
        residents = None
        if Audience.model_validate(doc["audience"]).reaches_residents:
            residents = ResidentAckCounts(
                sent=await self._resident_sender.sent_by_line(announcement_id),
                acknowledged=await self._followers.acknowledged(announcement_id),
            )
        return AcksOut(
            residents=residents,
            acknowledged=[AckEntry(user_id=a["user_id"], at=a["at"]) for a in acked],
            pending=[uid for uid in recipients if uid not in done],
            people=[
                AckPerson(
                    user_id=uid,
                    name=people.get(uid, {}).get("name", ""),
                    home_hub=people.get(uid, {}).get("home_hub"),
                )
                for uid in recipients
            ],
        )
