"""From a cause to records and deliveries: the first half of the pipeline.

Design note: docs/notifications.md. ``notify`` stores the cause (an announcement, an assignment, a
mention, a decided join request) in the outbox, then ``fanout`` turns it, recipient by recipient, into

1. the in-app record and its ``notification.created`` event (exactly once, see records.py), and
2. an e-mail and a LINE delivery when the recipient's preferences say so, held until their quiet
   hours end unless the cause is urgent,

and only then enqueues one arq job per delivery and marks the cause done. Every step is idempotent,
so a fan-out cut short by a crash is simply run again by the sweeper.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

from hub.clock import Clock
from hub.doc import Doc
from hub.identity.users import UserStore
from hub.limits import CAUSE_MAX_TRIES, INLINE_FANOUT_MAX
from hub.notifications import messages, times, unsubscribe
from hub.notifications.outbox import Outbox
from hub.notifications.preferences import PreferenceStore
from hub.notifications.queue import JobQueue
from hub.notifications.quiet_hours import hold_until
from hub.notifications.records import NotificationRecords, notification_id
from hub.settings import Settings
from schemas.jobs import FANOUT, fanout_job_id
from schemas.notifications import PreferencesOut, Priority

log = logging.getLogger(__name__)

# People read and written per round of a fan-out: one query for their accounts, one for their
# preferences, one insert of their deliveries.
FANOUT_CHUNK = 200
# Where a notification points when its cause names no page: the notification centre.
DEFAULT_LINK = "/notifications"


def email_delivery_id(record_id: str) -> str:
    return f"em_{record_id}"


def line_delivery_id(record_id: str) -> str:
    return f"ln_{record_id}"


class Notifier:
    """The notifications domain's side of ``hub.notify.Notify``: the one entrance."""

    def __init__(
        self,
        *,
        settings: Settings,
        users: UserStore,
        outbox: Outbox,
        records: NotificationRecords,
        preferences: PreferenceStore,
        queue: JobQueue,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._users = users
        self._outbox = outbox
        self._records = records
        self._preferences = preferences
        self._queue = queue
        self._clock = clock

    async def notify(
        self,
        *,
        cause_id: str,
        kind: str,
        user_ids: list[str],
        data: dict[str, Any],
        priority: Priority = "normal",
        content: dict[str, Any] | None = None,
        link: str = DEFAULT_LINK,
        announcement_id: str | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        """Notify ``user_ids`` of a cause, once per cause whatever happens to this process."""
        now = self._clock()
        await self._outbox.add_cause(
            {
                "_id": cause_id,
                "kind": kind,
                "priority": priority,
                "user_ids": sorted(set(user_ids)),
                "data": data,
                "content": content,
                "link": link,
                "announcement_id": announcement_id,
                "expires_at": expires_at,
                "created_at": now,
            }
        )
        if len(user_ids) <= INLINE_FANOUT_MAX or not self._queue.available:
            await self.fanout(cause_id)
        else:
            await self._queue.enqueue(FANOUT, job_id=fanout_job_id(cause_id), cause_id=cause_id)

    async def has_cause(self, cause_id: str) -> bool:
        return await self._outbox.cause(cause_id) is not None

    async def fanout(self, cause_id: str) -> int:
        """Make every record and delivery of the cause; return how many records this call made."""
        cause = await self._outbox.cause(cause_id)
        if cause is None or cause["state"] != "pending":
            return 0
        tries = await self._outbox.begin_cause(cause_id, now=self._clock())
        try:
            return await self._fanout(cause)
        except Exception as error:
            # Poisoned data or a bug: the reason is kept, and after CAUSE_MAX_TRIES the cause ends
            # ``failed`` instead of blocking the sweeper's rounds for ever.
            final = tries >= CAUSE_MAX_TRIES
            reason = f"{type(error).__name__}: {error}"
            await self._outbox.cause_error(cause_id, now=self._clock(), error=reason, final=final)
            if final:
                log.error("fan-out of %s failed for good after %d tries: %s", cause_id, tries, reason)
            raise

    async def _fanout(self, cause: Doc) -> int:
        cause_id: str = cause["_id"]
        made = 0
        user_ids: list[str] = cause["user_ids"]
        for start in range(0, len(user_ids), FANOUT_CHUNK):
            chunk = user_ids[start : start + FANOUT_CHUNK]
            users = await self._users.names(chunk)
            live = [users[uid] for uid in chunk if uid in users and not users[uid].get("disabled")]
            prefs = await self._preferences.of_users(live)
            deliveries: list[tuple[Doc, datetime]] = []
            for user in live:
                made += await self._one(cause, user, prefs[user["_id"]], deliveries)
            await self._outbox.add_deliveries(deliveries)
            # Progress: a long fan-out that is alive never looks abandoned to the sweeper.
            await self._outbox.touch_cause(cause_id, now=self._clock())
        await self.enqueue_pending(cause_id)
        await self._outbox.finish_cause(cause_id, now=self._clock())
        log.info("fanned out %s (%s) to %d people, %d new", cause_id, cause["kind"], len(user_ids), made)
        return made

    async def enqueue_pending(self, cause_id: str) -> None:
        now = self._clock()
        for doc in await self._outbox.pending_of_cause(cause_id):
            next_at = times.at(doc["next_at_ms"])
            later = next_at if next_at is not None and next_at > now else None
            await self._queue.delivery(doc["_id"], channel=doc["channel"], defer_until=later)

    async def _one(
        self, cause: Doc, user: Doc, prefs: PreferencesOut, deliveries: list[tuple[Doc, datetime]]
    ) -> int:
        """Record the notification of one person and add their deliveries to ``deliveries``."""
        user_id: str = user["_id"]
        now = self._clock()
        text = messages.render(cause, prefs.locale)
        priority: Priority = cause["priority"]
        urgent = priority == "urgent"
        link = self._settings.public_url.rstrip("/") + (cause.get("link") or DEFAULT_LINK)
        record_id = notification_id(user_id=user_id, kind=cause["kind"], cause_id=cause["_id"])
        data = {**(cause.get("data") or {}), "title": text.title, "body": text.body, "locale": text.locale}
        if cause.get("link") and cause["link"] != DEFAULT_LINK:
            data["link"] = cause["link"]  # the page it is about, for the notification centre
        created = await self._records.record(
            record_id=record_id,
            user_id=user_id,
            kind=cause["kind"],
            priority=priority,
            data=data,
            cause_id=cause["_id"],
            now=now,
            announcement_id=cause.get("announcement_id"),
        )
        expires_at = cause.get("expires_at")
        if expires_at is not None and expires_at <= now:
            return int(created)  # nothing left to send: the notice is over
        next_at = (None if urgent else hold_until(prefs, now)) or now
        common: Doc = {
            "cause_id": cause["_id"],
            "user_id": user_id,
            "notification_id": record_id,
            "priority": priority,
            "expires_at": expires_at,
            "locale": text.locale,
            "created_at": now,
        }
        if prefs.email and user.get("email"):
            unsubscribe_url = unsubscribe.url(
                user_id,
                secret_key=self._settings.secret_key.get_secret_value(),
                public_url=self._settings.public_url,
            )
            mail = messages.email(text, urgent=urgent, link=link, unsubscribe_url=unsubscribe_url)
            email_doc: Doc = {
                **common,
                "_id": email_delivery_id(record_id),
                "channel": "email",
                "subject": mail.subject,
                "text": mail.text,
                "html": mail.html,
                "unsubscribe_url": unsubscribe_url,
            }
            deliveries.append((email_doc, next_at))
        if prefs.line and user.get("line_user_id"):
            line_text = messages.line_text(text, urgent=urgent, link=link)
            line_doc: Doc = {
                **common,
                "_id": line_delivery_id(record_id),
                "channel": "line",
                "text": line_text,
                "text_key": hashlib.sha256(line_text.encode()).hexdigest()[:32],
                "batch_id": "",
            }
            deliveries.append((line_doc, next_at))
        return int(created)
