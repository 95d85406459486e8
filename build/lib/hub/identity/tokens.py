"""One-time account tokens: the links of invitations and password resets (docs/identity.md).

A token is never stored. The database holds a random ``nonce`` (in the e-mail's delivery) and the
SHA-256 of the token (here); the token itself is ``HMAC(DEJIMA_SECRET_KEY, nonce)``, computed again
when the e-mail is sent. So neither a dump of the database nor of the outbox opens an account.
A token is used up by the one atomic delete that redeems it; the TTL index removes expired ones,
and ``redeem`` checks the time as well because a TTL monitor runs only once a minute.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
Purpose = Literal["invite", "reset"]

COLLECTION = "account_tokens"


def derive_token(*, secret_key: str, nonce: str) -> str:
    digest = hmac.new(secret_key.encode(), b"account-token:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountTokens:
    def __init__(self, db: AsyncDatabase[Doc], *, secret_key: str) -> None:
        self._tokens = db[COLLECTION]
        self._secret_key = secret_key

    async def ensure_indexes(self) -> None:
        await self._tokens.create_index("expires_at", expireAfterSeconds=0)
        await self._tokens.create_index("user_id")

    async def issue(self, *, user_id: str, purpose: Purpose, ttl_s: int, now: datetime) -> str:
        """A new token for ``user_id``; older ones of the same purpose stop working. Returns the nonce."""
        await self._tokens.delete_many({"user_id": user_id, "purpose": purpose})
        nonce = secrets.token_urlsafe(24)
        token = derive_token(secret_key=self._secret_key, nonce=nonce)
        await self._tokens.insert_one(
            {
                "_id": token_hash(token),
                "user_id": user_id,
                "purpose": purpose,
                "created_at": now,
                "expires_at": now + timedelta(seconds=ttl_s),
            }
        )
        return nonce

    async def redeem(self, token: str, *, now: datetime) -> str | None:
        """Use the token up; the user id it was issued for, or None (unknown, used or expired)."""
        if not token or len(token) > 256:
            return None
        doc = await self._tokens.find_one_and_delete({"_id": token_hash(token)})
        if doc is None or _as_utc(doc["expires_at"]) <= now:
            return None
        # Every other link of this person stops working too: the password they chose is the one.
        await self._tokens.delete_many({"user_id": doc["user_id"]})
        return str(doc["user_id"])


def _as_utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
