"""The daily digest: one e-mail a day, at ``DEJIMA_DIGEST_AT`` in the person's time zone, listing the
notifications still unread, to whoever chose ``digest: "daily"`` (API.md, Finding and reminding).

A unique cron job looks every minute at the people who asked for it (an index of ``digest``). Once
the hour has come in their zone, a worker claims their day by inserting ``{user}:{day}`` into
``digest_days`` (unique ``_id``: of several workers, or a rerun, exactly one gets it), and only then
reads their unread notifications: none, nothing is sent (the day is still taken). The e-mail is an
outbox delivery like every other, so it is retried like them; its one-click link (RFC 8058) turns the
digest off, not e-mail as a whole. Days are forgotten after a week (a TTL index).
"""

from __future__ import annotations

import hashlib
import html
import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.clock import Clock
from hub.doc import Doc
from hub.identity.users import UserStore
from hub.limits import DIGEST_MAX_ITEMS
from hub.notifications import unsubscribe
from hub.notifications.messages import Email
from hub.notifications.outbox import Outbox
from hub.notifications.preferences import PreferenceStore, to_out
from hub.notifications.queue import JobQueue
from hub.notifications.records import NotificationRecords
from hub.settings import Settings
from schemas.notifications import NotificationOut

log = logging.getLogger(__name__)

DAYS = "digest_days"
_KEEP_DAYS_S = 7 * 24 * 3600

_SUBJECT = {"ja": "Dejima: 未読のお知らせ {n} 件", "en": "Dejima: {n} unread notifications"}
_LEAD = {
    "ja": "まだ読んでいないお知らせがあります。",
    "en": "These notifications are still unread.",
}
_MORE = {"ja": "ほか {n} 件", "en": "and {n} more"}
_OPEN = {"ja": "お知らせを開く", "en": "Open your notifications"}
_STOP = {"ja": "毎日のまとめメールを止める", "en": "Stop the daily digest"}


class DigestSender:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        settings: Settings,
        users: UserStore,
        preferences: PreferenceStore,
        records: NotificationRecords,
        outbox: Outbox,
        queue: JobQueue,
        clock: Clock,
    ) -> None:
        self._days = db[DAYS]
        self._settings = settings
        self._users = users
        self._preferences = preferences
        self._records = records
        self._outbox = outbox
        self._queue = queue
        self._clock = clock
        hours, minutes = settings.digest_at.split(":")
        self._at = time(int(hours), int(minutes))

    async def ensure_indexes(self) -> None:
        await self._days.create_index("created_at", expireAfterSeconds=_KEEP_DAYS_S)

    async def run_once(self) -> int:
        """Send the digests whose hour has come today and that nobody sent yet; → how many."""
        now = self._clock()
        sent = 0
        for doc in await self._preferences.with_digest():
            user = await self._users.get(doc["_id"])
            if user is None or user.get("disabled") or not user.get("email"):
                continue
            prefs = to_out(doc, user)
            local = now.astimezone(ZoneInfo(prefs.time_zone or self._settings.timezone))
            if local.time() < self._at:
                continue
            if await self._claim(user["_id"], local.date().isoformat(), now):
                sent += await self._send(user, prefs.locale, local.date().isoformat(), now)
        return sent

    async def _claim(self, user_id: str, day: str, now: datetime) -> bool:
        try:
            await self._days.insert_one({"_id": f"{user_id}:{day}", "user_id": user_id, "created_at": now})
        except DuplicateKeyError:
            return False
        return True

    async def _send(self, user: Doc, locale: str, day: str, now: datetime) -> int:
        user_id: str = user["_id"]
        unread = await self._records.of_user(user_id, unread=True, limit=DIGEST_MAX_ITEMS)
        if not unread:
            return 0
        total = await self._records.unread_count(user_id)
        lang = "en" if locale == "en" else "ja"
        secret = self._settings.secret_key.get_secret_value()
        stop = unsubscribe.url(
            user_id, secret_key=secret, public_url=self._settings.public_url, purpose="digest"
        )
        link = self._settings.public_url.rstrip("/") + "/notifications"
        mail = render(unread, total=total, locale=lang, link=link, unsubscribe_url=stop)
        delivery_id = "dg_" + hashlib.sha256(f"{user_id}:{day}".encode()).hexdigest()[:32]
        doc: Doc = {
            "_id": delivery_id,
            "channel": "email",
            "kind": "digest",
            "user_id": user_id,
            "priority": "normal",
            "expires_at": None,
            "locale": lang,
            "subject": mail.subject,
            "text": mail.text,
            "html": mail.html,
            "unsubscribe_url": stop,
            "created_at": now,
        }
        if await self._outbox.add_delivery(doc, next_at=now):
            await self._queue.delivery(delivery_id, channel="email")
        log.info("digest of %s for %s: %d unread", user_id, day, total)
        return 1


def render(
    unread: list[NotificationOut], *, total: int, locale: str, link: str, unsubscribe_url: str
) -> Email:
    lang = "en" if locale == "en" else "ja"
    subject = _SUBJECT[lang].format(n=total)
    items = [(str(n.data.get("title") or ""), str(n.data.get("body") or "").split("\n")[0]) for n in unread]
    lines = [f"- {title}" + (f": {body}" if body else "") for title, body in items]
    if total > len(unread):
        lines.append(_MORE[lang].format(n=total - len(unread)))
    text = (
        f"{_LEAD[lang]}\n\n"
        + "\n".join(lines)
        + f"\n\n{_OPEN[lang]}: {link}\n\n-- \n{_STOP[lang]}: {unsubscribe_url}\n"
    )
    listed = "".join(
        f"<li><strong>{html.escape(title)}</strong>" + (f"<br>{html.escape(body)}" if body else "") + "</li>"
        for title, body in items
    )
    more = f"<p>{html.escape(_MORE[lang].format(n=total - len(unread)))}</p>" if total > len(unread) else ""
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>"
        '<body style="font-family:sans-serif;line-height:1.6"><h1 style="font-size:1.25em">'
        f"{html.escape(subject)}</h1><p>{html.escape(_LEAD[lang])}</p><ul>{listed}</ul>{more}"
        f'<p><a href="{html.escape(link, quote=True)}">{html.escape(_OPEN[lang])}</a></p><hr>'
        f'<p style="font-size:.85em;color:#555"><a href="{html.escape(unsubscribe_url, quote=True)}">'
        f"{html.escape(_STOP[lang])}</a></p></body></html>"
    )
    return Email(subject=subject, text=text, html=page)
