"""Sessions and bearer tokens: one stored record per sign-in, found by the hash of its token.

A request's session is looked up in MongoDB, or reused from this instance's last look-up of it for
at most ``REUSE_S`` while Redis holds no mark of a change of it or of its account
(hub/storage/marks.py): a logout on one hub instance is a logout on all of them at once.
Sessions slide: each use pushes ``expires_at`` forward; a TTL index removes dead ones.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from hub.doc import Doc
from hub.events.bus import NoRightsNews, RightsNews
from hub.identity.users import UserStore, to_principal
from hub.principal import Principal
from hub.storage.marks import ChangeMarks, NoChangeMarks, Reused
from schemas.common import utc_now

log = logging.getLogger(__name__)

# Writing expires_at on every request would turn every read into a write; once a minute is enough.
_SLIDE_GRANULARITY = timedelta(minutes=1)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class _Read:
    """A session as read: whom it belongs to, and until when."""

    principal: Principal
    expires_at: datetime


class SessionService:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        *,
        users: UserStore,
        ttl_s: int,
        rights_news: RightsNews | None = None,
        marks: ChangeMarks | None = None,
    ) -> None:
        # Revocations are announced on the bus so that open sockets of the user are checked again at
        # once on every instance (a logout ends live connections too, not only later requests).
        self._rights_news = rights_news or NoRightsNews()
        self._sessions = db["sessions"]
        self._users = users
        self._ttl = timedelta(seconds=ttl_s)
        self._marks = marks or NoChangeMarks()
        # session id → its last look-up here.
        self._reused: Reused[_Read] = Reused(self._marks)

    async def ensure_indexes(self) -> None:
        await self._sessions.create_index("expires_at", expireAfterSeconds=0)
        await self._sessions.create_index("user_id")

    async def open(self, user_id: str) -> str:
        """Start a session; return its token (shown once, stored only as a hash)."""
        token = secrets.token_urlsafe(32)
        now = utc_now()
        await self._sessions.insert_one(
            {"_id": _token_hash(token), "user_id": user_id, "created_at": now, "expires_at": now + self._ttl}
        )
        return token

    async def authenticate(self, token: str) -> Principal | None:
        if not token or len(token) > 256:
            return None
        session_id = _token_hash(token)
        read = self._reused.recent(session_id)
        if (
            read is not None
            and not self._slide_due(read.expires_at, utc_now())
            and await self._reused.unchanged(f"session:{session_id}", f"account:{read.principal.id}")
        ):
            return read.principal
        began = time.monotonic()
        read = await self._look_up(session_id)
        self._reused.keep(session_id, read, read_began=began)
        return None if read is None else read.principal

    async def _look_up(self, session_id: str) -> _Read | None:
        session = await self._sessions.find_one({"_id": session_id})
        now = utc_now()
        if session is None or _as_utc(session["expires_at"]) <= now:
            return None
        user = await self._users.get(session["user_id"])
        if user is None or user.get("disabled"):
            return None
        expires_at = _as_utc(session["expires_at"])
        if self._slide_due(expires_at, now):
            # A whole-document replace, not $set: nx-27017 stores a datetime given to $set as a
            # string (docs/storage.md), which would break the TTL index and the comparison above.
            # Without upsert, a session revoked meanwhile stays revoked.
            expires_at = now + self._ttl
            slid = {k: v for k, v in session.items() if k != "_id"} | {"expires_at": expires_at}
            await self._sessions.replace_one({"_id": session_id}, slid)
        return _Read(to_principal(user, session_id=session_id), expires_at)

    def _slide_due(self, expires_at: datetime, now: datetime) -> bool:
        """Past its end, or time to push its end forward: both need the stored session."""
        return expires_at <= now or expires_at - self._ttl + _SLIDE_GRANULARITY < now

    async def revoke(self, session_id: str) -> None:
        session = await self._sessions.find_one({"_id": session_id})
        await self._marks.mark(f"session:{session_id}")
        await self._sessions.delete_one({"_id": session_id})
        self._reused.forget(session_id)
        if session is not None:
            await self._announce(session["user_id"])

    async def revoke_all(self, user_id: str, *, keep: str | None = None) -> None:
        """End every session of ``user_id``, except ``keep`` (the session id of the caller)."""
        query: Doc = {"user_id": user_id}
        if keep is not None:
            query["_id"] = {"$ne": keep}
        await self._marks.mark(f"account:{user_id}")
        await self._sessions.delete_many(query)
        self._reused.forget_where(lambda read: read.principal.id == user_id)
        await self._announce(user_id)

    async def _announce(self, user_id: str) -> None:
        try:
            await self._rights_news.user_changed(user_id)
        except Exception:
            # The revocation is stored; sockets re-check every right when Redis is back
            # (docs/realtime.md), so an unreachable Redis must not fail the request.
            log.exception("announcing the end of the sessions of user %s failed", user_id)


def _as_utc(value: datetime | str) -> datetime:
    """nx-27017 stores a datetime written by ``$set`` on an existing document as a naive UTC string."""
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value
