"""Residents who follow the town's LINE account, without a Dejima account.

The LINE webhook (``POST /api/line/webhook``, signature checked in hub/notifications/line_link.py
before any parsing) hands its events here:

- ``follow``: the follower is kept (``line_followers``, no topic yet) and the reply offers the topics
  as quick replies;
- ``postback`` ``topic=<key>&on=1|0``: that topic is turned on or off, and the reply says so;
- ``postback`` ``ack=<announcement_id>``: 確認しました on an urgent notice, counted once per follower,
  and only for a notice that was sent to them;
- ``unfollow``: everything about the follower is erased at once — the follower, their
  acknowledgements, their LINE id in every delivery (pending ones are cancelled) — and only the
  number of unfollows is counted.

Replies go through LINE's reply API with the event's ``replyToken`` (hub/notifications/line.py).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any
from urllib.parse import parse_qs

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.clock import Clock
from hub.doc import Doc
from hub.limits import LINE_REPLY_RETRY_MAX_S
from hub.notifications import line
from hub.notifications.outbox import Outbox
from hub.residents.model import ACKS, COUNTERS, FOLLOWERS, ack_id, follower_id, line_delivery_id
from hub.residents.topics import TopicService
from hub.settings import Settings
from schemas.residents import TopicOut

log = logging.getLogger(__name__)

# LINE: a quick-reply button's label is at most 20 characters.
_LABEL_MAX = 20
_WELCOME = (
    "友だち追加ありがとうございます。"
    "町からのお知らせを受け取りたい話題を選んでください（いつでも変えられます）。"
)
_NO_TOPICS = "友だち追加ありがとうございます。町からの大切なお知らせをお届けします。"
_ACKED = "確認しました。ありがとうございます。"


class LineFollowers:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        settings: Settings,
        topics: TopicService,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._followers = db[FOLLOWERS]
        self._acks = db[ACKS]
        self._counters = db[COUNTERS]
        self._settings = settings
        self._topics = topics
        self._outbox = outbox
        self._clock = clock

    async def ensure_indexes(self) -> None:
        await self._followers.create_index("line_user_id", unique=True)
        await self._acks.create_index("announcement_id")
        await self._acks.create_index("follower_id")

    async def handle(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            source = event.get("source") or {}
            user = source.get("userId") if isinstance(source, dict) else None
            if not isinstance(user, str) or not user or source.get("type", "user") != "user":
                continue  # groups and rooms are not residents
            kind = event.get("type")
            token = event.get("replyToken") if isinstance(event.get("replyToken"), str) else None
            if kind == "follow":
                await self._follow(user, token)
            elif kind == "unfollow":
                await self.erase(user)
            elif kind == "postback":
                postback = event.get("postback") or {}
                data = postback.get("data") if isinstance(postback, dict) else None
                if isinstance(data, str):
                    await self._postback(user, data, token)

    async def _follow(self, line_user_id: str, reply_token: str | None) -> None:
        doc = await self._keep(line_user_id)
        topics = await self._topics.all()
        text = _WELCOME if topics else _NO_TOPICS
        await self._reply(reply_token, [_with_menu({"type": "text", "text": text}, topics, doc["topics"])])

    async def _keep(self, line_user_id: str) -> Doc:
        """The follower's document, made on first sight (a follow, or a postback from someone who
        followed before Dejima listened)."""
        now = self._clock()
        fid = follower_id(line_user_id)
        await self._followers.update_one(
            {"_id": fid},
            {
                "$setOnInsert": {"line_user_id": line_user_id, "topics": [], "followed_at": now},
                "$set": {"seen_at": now},
            },
            upsert=True,
        )
        return await self._followers.find_one({"_id": fid}) or {"_id": fid, "topics": []}

    async def erase(self, line_user_id: str) -> None:
        """Unfollow: erase the follower; count one unfollow when there was someone to erase."""
        fid = follower_id(line_user_id)
        gone = await self._followers.find_one_and_delete({"_id": fid})
        await self._acks.delete_many({"follower_id": fid})
        await self._outbox.erase_recipient(field="line_to", value=line_user_id, now=self._clock())
        if gone is not None:
            await self._counters.update_one({"_id": "unfollows"}, {"$inc": {"n": 1}}, upsert=True)

    async def _postback(self, line_user_id: str, data: str, reply_token: str | None) -> None:
        fields = {key: values[0] for key, values in parse_qs(data[:300]).items() if values}
        if "ack" in fields:
            await self._ack(line_user_id, fields["ack"], reply_token)
            return
        key, on = fields.get("topic"), fields.get("on")
        if key is None or on not in ("0", "1"):
            return  # not ours (another menu of the account)
        topics = await self._topics.all()
        topic = next((t for t in topics if t.key == key), None)
        if topic is None:
            return
        await self._keep(line_user_id)
        change = {"$addToSet": {"topics": key}} if on == "1" else {"$pull": {"topics": key}}
        doc = await self._followers.find_one_and_update(
            {"_id": follower_id(line_user_id)}, change, return_document=ReturnDocument.AFTER
        )
        chosen = list((doc or {}).get("topics", []))
        verb = "を受け取ります" if on == "1" else "の受け取りをやめました"
        text = f"「{topic.name.ja}」{verb}。"
        await self._reply(reply_token, [_with_menu({"type": "text", "text": text}, topics, chosen)])

    async def _ack(self, line_user_id: str, announcement_id: str, reply_token: str | None) -> None:
        fid = follower_id(line_user_id)
        # Only a notice that was sent to this follower (its delivery exists) can be acknowledged.
        if (
            len(announcement_id) > 100
            or await self._outbox.get(line_delivery_id(announcement_id, fid)) is None
        ):
            return
        with suppress(DuplicateKeyError):  # pressed again: counted once
            await self._acks.insert_one(
                {
                    "_id": ack_id(announcement_id, fid),
                    "announcement_id": announcement_id,
                    "follower_id": fid,
                    "at": self._clock(),
                }
            )
        await self._reply(reply_token, [{"type": "text", "text": _ACKED}])

    async def acknowledged(self, announcement_id: str) -> int:
        return await self._acks.count_documents({"announcement_id": announcement_id})

    async def _reply(self, reply_token: str | None, messages: list[dict[str, Any]]) -> None:
        """One reply, and one retry when LINE asks to wait briefly (a reply token expires soon)."""
        if not reply_token:
            return
        result = await line.reply(settings=self._settings, reply_token=reply_token, messages=messages)
        if result.outcome == "retry" and (result.retry_after_s or 0) <= LINE_REPLY_RETRY_MAX_S:
            await asyncio.sleep(result.retry_after_s or 0.2)
            result = await line.reply(settings=self._settings, reply_token=reply_token, messages=messages)
        if result.outcome != "sent":
            log.warning("LINE reply failed: %s", result.error)


def _with_menu(message: dict[str, Any], topics: list[TopicOut], chosen: list[str]) -> dict[str, Any]:
    """The topics as quick replies: a topic not chosen turns on, a chosen one (✓) turns off."""
    if not topics:
        return message
    items = []
    for topic in topics:
        on = topic.key in chosen
        label = ("✓" + topic.name.ja if on else topic.name.ja)[:_LABEL_MAX]
        items.append(
            {
                "type": "action",
                "action": {
                    "type": "postback",
                    "label": label,
                    "data": f"topic={topic.key}&on={0 if on else 1}",
                    "displayText": label,
                },
            }
        )
    return {**message, "quickReply": {"items": items}}
