"""Linking a LINE account to a Dejima user, and the LINE webhook that makes it happen.

The preferences page shows a one-time code; the user sends it to the Dejima bot in LINE; LINE posts
the message to ``POST /api/line/webhook``, signed with the channel secret (``X-Line-Signature``:
base64 HMAC-SHA256 of the raw body). A valid signature and a live code set the user's
``line_user_id`` (one Dejima user per LINE account) and send a confirmation through the pipeline.
Anything unsigned or wrongly signed is refused before the body is even parsed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.clock import Clock
from hub.doc import Doc
from hub.errors import MalformedRequest, NotFound, Unauthenticated
from hub.identity.users import UserStore
from hub.limits import LINE_LINK_CODE_DIGITS, LINE_LINK_CODE_TTL_S
from hub.notifications.fanout import Notifier
from hub.settings import Settings
from schemas.notifications import LineLinkCodeOut, LineWebhookBody

log = logging.getLogger(__name__)


CODES = "line_link_codes"


def signature_valid(body: bytes, signature: str | None, *, channel_secret: str) -> bool:
    if not signature:
        return False
    expected = base64.b64encode(hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected.encode(), signature.encode())


class LineLinking:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        settings: Settings,
        users: UserStore,
        notifier: Notifier,
        clock: Clock,
    ) -> None:
        self._codes = db[CODES]
        self._settings = settings
        self._users = users
        self._notifier = notifier
        self._clock = clock

    async def ensure_indexes(self) -> None:
        await self._codes.create_index("expires_at", expireAfterSeconds=0)
        await self._codes.create_index("user_id")

    async def issue_code(self, user_id: str) -> LineLinkCodeOut:
        """A fresh code for ``user_id``; any earlier code of theirs stops working."""
        await self._codes.delete_many({"user_id": user_id})
        expires_at = self._clock() + timedelta(seconds=LINE_LINK_CODE_TTL_S)
        for _ in range(20):
            code = str(secrets.randbelow(10**LINE_LINK_CODE_DIGITS)).zfill(LINE_LINK_CODE_DIGITS)
            try:
                await self._codes.insert_one(
                    {"_id": code, "user_id": user_id, "expires_at": expires_at, "created_at": self._clock()}
                )
            except DuplicateKeyError:
                continue  # someone else holds this code right now: draw another
            return LineLinkCodeOut(code=code, expires_at=expires_at)
        raise RuntimeError("could not draw a free LINE linking code")

    async def unlink(self, user_id: str) -> None:
        if await self._users.update(user_id, {"line_user_id": None}) is None:
            raise NotFound("no such user")

    async def receive(self, body: bytes, signature: str | None) -> int:
        """Handle one LINE webhook call; return how many accounts it linked."""
        return await self.handle(self.parse(body, signature).events)

    def parse(self, body: bytes, signature: str | None) -> LineWebhookBody:
        """The payload of a LINE webhook call, its signature checked before a byte is parsed.

        Other handlers of the same webhook (residents following the town's account) are handed
        the events parsed here: one webhook, one check.
        """
        secret = self._settings.line_channel_secret
        if secret is None or not signature_valid(body, signature, channel_secret=secret.get_secret_value()):
            raise Unauthenticated("the X-Line-Signature of this request is missing or wrong")
        try:
            return LineWebhookBody.model_validate(json.loads(body))
        except (ValueError, UnicodeDecodeError) as error:
            raise MalformedRequest("the body is not a LINE webhook payload") from error

    async def handle(self, events: list[dict[str, Any]]) -> int:
        """Link accounts by the codes among ``events``; return how many it linked."""
        linked = 0
        for event in events:
            linked += await self._event(event)
        return linked

    async def _event(self, event: dict[str, Any]) -> int:
        source = event.get("source") or {}
        line_user_id = source.get("userId") if isinstance(source, dict) else None
        if not isinstance(line_user_id, str) or not line_user_id:
            return 0
        if event.get("type") == "unfollow":
            # They blocked the bot: pushes would fail from now on, so stop trying.
            for doc in await self._users_with_line(line_user_id):
                await self._users.update(doc["_id"], {"line_user_id": None})
            return 0
        message = event.get("message") or {}
        if event.get("type") != "message" or not isinstance(message, dict) or message.get("type") != "text":
            return 0
        code = "".join(ch for ch in str(message.get("text", "")) if ch.isdigit())
        if len(code) != LINE_LINK_CODE_DIGITS:
            return 0
        return int(await self._link(code, line_user_id))

    async def _link(self, code: str, line_user_id: str) -> bool:
        now = self._clock()
        doc = await self._codes.find_one_and_delete({"_id": code})
        if doc is None or _expired(doc["expires_at"], now):
            return False
        user_id = doc["user_id"]
        # One Dejima user per LINE account: whoever had it linked before loses it.
        for other in await self._users_with_line(line_user_id):
            if other["_id"] != user_id:
                await self._users.update(other["_id"], {"line_user_id": None})
        if await self._users.update(user_id, {"line_user_id": line_user_id}) is None:
            return False
        await self._notifier.notify(
            cause_id=f"line.linked:{user_id}:{code}:{int(now.timestamp())}",
            kind="line.linked",
            user_ids=[user_id],
            data={},
            link="/preferences",
        )
        log.info("linked a LINE account to user %s", user_id)
        return True

    async def _users_with_line(self, line_user_id: str) -> list[Doc]:
        return await self._users.with_line_user_id(line_user_id)


def _expired(expires_at: datetime, now: datetime) -> bool:
    return expires_at <= now
