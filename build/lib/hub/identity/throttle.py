"""Failed sign-ins counted in Redis, per account and per client address, shared by every instance.

Each key counts failures that come less than ``window_s`` apart: every failure pushes the key's
expiry ``window_s`` ahead. Once a count reaches its limit the account (or address) is locked until
``window_s`` after the last failure; attempts while locked are refused before any password check and
do not extend the lock. A correct password does not open a lock early, or guessing would just
continue between locks. A success clears the account's count (its owner got in) but never the
address's, which one valid account must not be able to reset.
"""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from hub.errors import RateLimited
from hub.identity.users import normalise_email

_PREFIX = "dejima:login"


class LoginThrottle:
    def __init__(
        self,
        redis: Redis,
        *,
        max_per_account: int,
        max_per_address: int,
        window_s: int,
    ) -> None:
        self._redis = redis
        self._max_per_account = max_per_account
        self._max_per_address = max_per_address
        self._window_s = window_s

    @staticmethod
    def _account_key(email: str) -> str:
        # Hashed so that Redis holds no list of addresses people typed.
        return f"{_PREFIX}:acct:{hashlib.sha256(normalise_email(email).encode()).hexdigest()}"

    @staticmethod
    def _address_key(address: str) -> str:
        return f"{_PREFIX}:addr:{address}"

    async def check(self, *, email: str, address: str) -> None:
        """Raise ``RateLimited`` while the account or the address is locked."""
        account, addr = self._account_key(email), self._address_key(address)
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in (account, addr):
                pipe.get(key)
                pipe.ttl(key)
            account_count, account_ttl, address_count, address_ttl = await pipe.execute()
        waits = []
        if int(account_count or 0) >= self._max_per_account:
            waits.append(int(account_ttl))
        if int(address_count or 0) >= self._max_per_address:
            waits.append(int(address_ttl))
        if waits:
            # TTL is -1/-2 only in the instant a key expires; never tell a client to wait 0 s.
            retry_after_s = max(1, max(waits))
            raise RateLimited("too many failed sign-ins; try again later", retry_after_s=retry_after_s)

    async def failed(self, *, email: str, address: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key in (self._account_key(email), self._address_key(address)):
                pipe.incr(key)
                pipe.expire(key, self._window_s)
            await pipe.execute()

    async def succeeded(self, *, email: str) -> None:
        await self._redis.delete(self._account_key(email))


class RequestLimiter:
    """At most ``max_count`` requests per key in a fixed window that starts with the first one.

    For requests that cost someone else something whatever their outcome (a reset e-mail): each
    one counts, not only failures. Keys are hashed like the sign-in counters.
    """

    def __init__(self, redis: Redis, *, prefix: str, max_count: int, window_s: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._max_count = max_count
        self._window_s = window_s

    def _key(self, value: str) -> str:
        return f"{self._prefix}:{hashlib.sha256(value.encode()).hexdigest()}"

    async def hit(self, value: str) -> None:
        """Count one request; raise ``RateLimited`` when the window holds more than allowed."""
        key = self._key(value)
        async with self._redis.pipeline(transaction=True) as pipe:
            # The window starts with the first request (SET NX); EXPIRE NX needs Redis 7.
            pipe.set(key, 0, ex=self._window_s, nx=True)
            pipe.incr(key)
            pipe.ttl(key)
            _, count, ttl = await pipe.execute()
        if int(count) > self._max_count:
            raise RateLimited("too many requests; try again later", retry_after_s=max(1, int(ttl)))
