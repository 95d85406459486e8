"""An announcement to residents: one LINE delivery per follower and one e-mail per confirmed
subscriber of its topics (or all of them), written to the notifications outbox and sent by arq.

Each delivery's id is (announcement, follower or subscriber), so however often publishing is run
again (a worker that died, the sweeper), each resident has at most one delivery per announcement.
LINE deliveries that share one text are sent by the delivery runner in multicasts of at most 500,
each batch with its own stored ``X-Line-Retry-Key`` that never changes (hub/notifications/delivery.py):
a batch cut short by a dying worker is sent again under the same key, and LINE answers a repeat with
409 instead of delivering twice. Quiet hours (``resident_quiet_hours``, town-wide) hold back what is
not urgent; an urgent notice carries a 確認しました postback button (``ack=<id>``).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.limits import EMAIL_CONNECTION_MAX
from hub.notifications import line, messages
from hub.notifications.outbox import Outbox
from hub.notifications.queue import JobQueue
from hub.notifications.quiet_hours import DEFAULT_TIME_ZONE, hold_within
from hub.notifications.times import ms
from hub.residents.model import (
    ACKS,
    FOLLOWERS,
    SUBSCRIBERS,
    cause_id,
    email_delivery_id,
    line_delivery_id,
    reminder_cause_id,
)
from hub.residents.subscribers import Subscribers
from hub.settings import Settings
from schemas.identity import Locale

# Residents read and written per round: one query, one insert of their deliveries (a multiple of
# the multicast size, so that a batch is written in one insert).
_CHUNK = 1000


class ResidentSender:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        settings: Settings,
        outbox: Outbox,
        queue: JobQueue,
        subscribers: Subscribers,
        clock: Clock,
    ) -> None:
        self._followers = db[FOLLOWERS]
        self._acks = db[ACKS]
        self._subscribers_db = db[SUBSCRIBERS]
        self._settings = settings
        self._outbox = outbox
        self._queue = queue
        self._subscribers = subscribers
        self._clock = clock

    def hold_until(self, now: datetime) -> datetime | None:
        quiet = self._settings.resident_quiet_hours
        if not quiet:
            return None
        start, end = quiet.split("-")
        return hold_within(start, end, DEFAULT_TIME_ZONE, now)

    async def send(
        self,
        *,
        announcement_id: str,
        topics: list[str] | None,
        content: dict[str, Any],
        urgent: bool,
        public: bool,
        expires_at: datetime | None,
    ) -> None:
        """Make every resident's delivery of the announcement (again: a no-op) and prompt arq."""
        now = self._clock()
        next_at = (None if urgent else self.hold_until(now)) or now
        base = self._settings.public_url.rstrip("/")
        # Residents have no account: only a public notice has a page they can open.
        link = f"{base}/news/{announcement_id}" if public else None
        query: Doc = {} if topics is None else {"topics": {"$in": topics}}
        common: Doc = {
            "cause_id": cause_id(announcement_id),
            "announcement_id": announcement_id,
            "resident": True,
            "user_id": None,
            "priority": "urgent" if urgent else "normal",
            "expires_at": expires_at,
            "created_at": now,
        }
        ja = messages.render({"kind": "announcement", "content": content}, "ja")
        text = messages.line_text(ja, urgent=urgent, link=link)
        line_messages: list[dict[str, Any]] | None = None
        if urgent:
            line_messages = [messages_text(text), ack_button(announcement_id)]
        key = hashlib.sha256(f"{announcement_id}\x1f{text}".encode()).hexdigest()[:32]
        line_common: Doc = {
            **common,
            "channel": "line",
            "locale": "ja",
            "text": text,
            "line_messages": line_messages,
            "text_key": key,
            "batch_id": "",
            # Held for their batch's job (one per 500): the sweeper revives them only if that job
            # has not taken the batch by then (a lost job, a dead worker).
            "lease_until_ms": ms(next_at) + int(self._settings.job_timeout_s * 1000),
        }
        cursor = self._followers.find(query, {"line_user_id": 1}).sort("_id", 1)
        chunk: list[tuple[Doc, datetime]] = []
        line_ids: list[str] = []
        # Each delivery is written in its multicast batch (500 in id order, this run's own batch
        # ids): a job of any member sends exactly that batch. On a re-run the deliveries written
        # before keep theirs (a repeat insert is ignored); new ones go in this run's batches.
        run = uuid.uuid4().hex[:12]
        async for follower in cursor:
            delivery_id = line_delivery_id(announcement_id, follower["_id"])
            batch_id = f"rb_{run}_{len(line_ids) // line.MULTICAST_MAX}"
            line_ids.append(delivery_id)
            doc = {
                **line_common,
                "_id": delivery_id,
                "batch_id": batch_id,
                "line_to": follower["line_user_id"],
            }
            chunk.append((doc, next_at))
            if len(chunk) >= _CHUNK:
                await self._outbox.add_deliveries(chunk)
                chunk = []
        await self._outbox.add_deliveries(chunk)
        chunk = []
        email_ids: list[str] = []
        subscribers = self._subscribers_db.find({**query, "state": "confirmed"}).sort("_id", 1)
        async for subscriber in subscribers:
            locale: Locale = "en" if subscriber.get("locale") == "en" else "ja"
            text_of = messages.render({"kind": "announcement", "content": content}, locale)
            unsubscribe_url = self._subscribers.unsubscribe_url(subscriber["_id"])
            mail = messages.email(
                text_of, urgent=urgent, link=link, unsubscribe_url=unsubscribe_url, resident=True
            )
            email_ids.append(email_delivery_id(announcement_id, subscriber["_id"]))
            doc = {
                **common,
                "_id": email_delivery_id(announcement_id, subscriber["_id"]),
                "channel": "email",
                "locale": text_of.locale,
                "to_email": subscriber["email"],
                "subject": mail.subject,
                "text": mail.text,
                "html": mail.html,
                "unsubscribe_url": unsubscribe_url,
            }
            chunk.append((doc, next_at))
            if len(chunk) >= _CHUNK:
                await self._outbox.add_deliveries(chunk)
                chunk = []
        await self._outbox.add_deliveries(chunk)
        await self._prompt(line_ids, email_ids, at=next_at if next_at > now else None)

    async def _prompt(self, line_ids: list[str], email_ids: list[str], *, at: datetime | None) -> None:
        """One arq job per multicast (every 500th LINE delivery in id order forms the batch from
        itself on) and per SMTP connection's worth of e-mails, rather than one per resident: the
        sweeper revives any delivery left without a job within seconds."""
        for delivery_id in line_ids[:: line.MULTICAST_MAX]:
            await self._queue.delivery(delivery_id, channel="line", defer_until=at)
        for delivery_id in email_ids[::EMAIL_CONNECTION_MAX]:
            await self._queue.delivery(delivery_id, channel="email", defer_until=at)

    async def remind(
        self, *, announcement_id: str, content: dict[str, Any], expires_at: datetime | None
    ) -> int:
        """Remind, by LINE, the followers an urgent notice reached who have not pressed 確認しました
        (once: the reminder's delivery ids are per announcement and follower). Returns how many."""
        now = self._clock()
        acked = {
            a["follower_id"] for a in await self._acks.find({"announcement_id": announcement_id}).to_list()
        }
        prefix = line_delivery_id(announcement_id, "")
        sent = await self._outbox.of_cause(cause_id(announcement_id), channel="line", state="sent")
        pending = [
            (doc["_id"][len(prefix) :], doc["line_to"])
            for doc in sent
            if doc.get("line_to") and doc["_id"][len(prefix) :] not in acked
        ]
        if not pending:
            return 0
        text_of = messages.render({"kind": "announcement.reminder", "content": content}, "ja")
        text = messages.line_text(text_of, urgent=True, link=f"{self._settings.public_url.rstrip('/')}/news")
        reminder = reminder_cause_id(announcement_id)
        common: Doc = {
            "cause_id": reminder,
            "announcement_id": announcement_id,
            "resident": True,
            "user_id": None,
            "priority": "urgent",
            "expires_at": expires_at,
            "created_at": now,
            "channel": "line",
            "locale": "ja",
            "text": text,
            "line_messages": [messages_text(text), ack_button(announcement_id)],
            "text_key": hashlib.sha256(f"{reminder}\x1f{text}".encode()).hexdigest()[:32],
            "batch_id": "",
        }
        await self._outbox.add_deliveries(
            [
                ({**common, "_id": f"rr_{announcement_id}_{follower}", "line_to": line_to}, now)
                for follower, line_to in pending
            ]
        )
        await self._prompt(sorted(f"rr_{announcement_id}_{follower}" for follower, _ in pending), [], at=None)
        return len(pending)

    async def sent_by_line(self, announcement_id: str) -> int:
        return await self._outbox.count_sent(cause_id=cause_id(announcement_id), channel="line")


def messages_text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def ack_button(announcement_id: str) -> dict[str, Any]:
    """The 確認しました button of an urgent notice: a postback LINE sends to the webhook."""
    return {
        "type": "template",
        "altText": "確認したら「確認しました」を押してください",
        "template": {
            "type": "buttons",
            "text": "確認したら押してください",
            "actions": [
                {
                    "type": "postback",
                    "label": "確認しました",
                    "data": f"ack={announcement_id}",
                    "displayText": "確認しました",
                }
            ],
        },
    }
