"""E-mail subscribers with double opt-in and one-click unsubscribe (RFC 8058).

``subscribe`` keeps the address as *pending* with the hash of a random token and sends one
confirmation e-mail (through the outbox, like every e-mail); nothing else is ever sent to a pending
address, and one not confirmed within ``SUBSCRIPTION_CONFIRM_TTL_S`` is erased by a TTL index.
Asking again within ``SUBSCRIPTION_RESEND_S`` sends nothing more (no mail-bombing a stranger). The
answer is the same 202 whether the address was known or not, so the endpoint tells nobody who
subscribes. Every newsletter carries a signed link (``unsubscribe_url``) whose POST erases the
subscriber at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html as markup
import secrets
from datetime import timedelta
from urllib.parse import quote

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.errors import NotFound
from hub.limits import SUBSCRIPTION_CONFIRM_TTL_S, SUBSCRIPTION_RESEND_S
from hub.notifications.outbox import Outbox
from hub.notifications.queue import JobQueue
from hub.residents.model import SUBSCRIBERS
from hub.residents.topics import TopicService
from hub.settings import Settings
from schemas.residents import SubscriptionIn, SubscriptionOut

_PURPOSE = b"dejima.unsubscribe.resident\x1f"
UNSUBSCRIBE_PATH = "/api/public/subscriptions/unsubscribe"

_CONFIRM = {
    "ja": (
        "【確認】町のお知らせメールの登録",
        "町のお知らせメールへの登録を受け付けました。\n\n登録を完了するには、次のページを開いてください:\n{link}\n\n"
        "お心当たりがなければ、このメールは破棄してください。登録はされません。\n",
    ),
    "en": (
        "Please confirm: the town's newsletter",
        "We received a request to send the town's notices to this address.\n\n"
        "To confirm, open this page:\n{link}\n\nIf it was not you, ignore this message: nothing "
        "will be sent.\n",
    ),
}


def subscriber_id(email: str) -> str:
    return "es_" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Subscribers:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        settings: Settings,
        topics: TopicService,
        outbox: Outbox,
        queue: JobQueue,
        clock: Clock,
    ) -> None:
        self._subscribers = db[SUBSCRIBERS]
        self._settings = settings
        self._topics = topics
        self._outbox = outbox
        self._queue = queue
        self._clock = clock

    async def ensure_indexes(self) -> None:
        await self._subscribers.create_index("token_hash", sparse=True)
        # Only pending addresses carry ``expires_at``: never confirmed, they are erased.
        await self._subscribers.create_index("expires_at", expireAfterSeconds=0)

    async def subscribe(self, body: SubscriptionIn) -> None:
        await self._topics.require_known(body.topics, path="topics")
        now = self._clock()
        sid = subscriber_id(body.email)
        existing = await self._subscribers.find_one({"_id": sid})
        recent = now - timedelta(seconds=SUBSCRIPTION_RESEND_S)
        if existing is not None and existing.get("token_at") is not None and existing["token_at"] > recent:
            return
        token = secrets.token_urlsafe(32)
        fields: Doc = {
            "token_hash": _hash(token),
            "token_at": now,
            "token_expires_at": now + timedelta(seconds=SUBSCRIPTION_CONFIRM_TTL_S),
            "wanted_topics": body.topics,
            "locale": body.locale,
        }
        insert: Doc = {"email": body.email.strip(), "state": "pending", "topics": [], "created_at": now}
        if existing is None or existing.get("state") == "pending":
            fields["expires_at"] = fields["token_expires_at"]
        await self._subscribers.update_one(
            {"_id": sid}, {"$set": fields, "$setOnInsert": insert}, upsert=True
        )
        await self._send_confirmation(
            sid, body.email.strip(), token, body.locale, now_key=int(now.timestamp())
        )

    async def _send_confirmation(
        self, sid: str, email: str, token: str, locale: str, *, now_key: int
    ) -> None:
        subject, text = _CONFIRM["en" if locale == "en" else "ja"]
        link = f"{self._settings.public_url.rstrip('/')}/news/confirm#token={quote(token, safe='')}"
        body = text.format(link=link)
        delivery_id = f"rc_{sid}_{now_key}"
        now = self._clock()
        await self._outbox.add_delivery(
            {
                "_id": delivery_id,
                "channel": "email",
                "resident": True,
                "to_email": email,
                "cause_id": f"residents.confirm:{sid}",
                "subject": subject,
                "text": body,
                "html": _html(body, locale),
                "locale": locale,
                "priority": "normal",
                "created_at": now,
            },
            next_at=now,
        )
        await self._queue.delivery(delivery_id, channel="email")

    async def confirm(self, token: str) -> SubscriptionOut:
        now = self._clock()
        doc = await self._subscribers.find_one({"token_hash": _hash(token)})
        if doc is None or doc["token_expires_at"] <= now:
            raise NotFound("this confirmation link is unknown or has expired; subscribe again")
        done = await self._subscribers.find_one_and_update(
            {"_id": doc["_id"], "token_hash": doc["token_hash"]},
            {
                "$set": {"state": "confirmed", "topics": doc.get("wanted_topics", []), "confirmed_at": now},
                "$unset": {
                    "token_hash": "",
                    "token_at": "",
                    "token_expires_at": "",
                    "expires_at": "",
                    "wanted_topics": "",
                },
            },
            return_document=ReturnDocument.AFTER,
        )
        if done is None:
            raise NotFound("this confirmation link is unknown or has expired; subscribe again")
        return SubscriptionOut(status="confirmed", topics=done["topics"])

    async def unsubscribe(self, token: str) -> SubscriptionOut:
        """One click: the subscriber is erased (a second click finds nobody and says the same)."""
        sid = verify(token, secret_key=self._settings.secret_key.get_secret_value())
        if sid is None:
            raise NotFound("this unsubscribe link is not valid")
        doc = await self._subscribers.find_one_and_delete({"_id": sid})
        if doc is not None:
            await self._outbox.erase_recipient(field="to_email", value=doc["email"], now=self._clock())
        return SubscriptionOut(status="unsubscribed")

    def unsubscribe_url(self, sid: str) -> str:
        token = sign(sid, secret_key=self._settings.secret_key.get_secret_value())
        return f"{self._settings.public_url.rstrip('/')}{UNSUBSCRIBE_PATH}?token={quote(token, safe='')}"


def sign(sid: str, *, secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), _PURPOSE + sid.encode(), hashlib.sha256).digest()
    return f"{sid}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def verify(token: str, *, secret_key: str) -> str | None:
    sid, _, _ = token.rpartition(".")
    if not sid or len(token) > 200:
        return None
    return sid if hmac.compare_digest(sign(sid, secret_key=secret_key), token) else None


def _html(text: str, locale: str) -> str:
    paragraphs = "".join(
        f"<p>{markup.escape(part).replace(chr(10), '<br>')}</p>" for part in text.split("\n\n") if part
    )
    head = f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8"></head>'
    return f"{head}<body>{paragraphs}</body></html>"
