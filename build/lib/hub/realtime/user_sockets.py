"""At most WS_MAX_SOCKETS_PER_USER open ``/ws`` connections per user, counted across every instance.

Redis keeps one sorted set per user, ``dejima:ws-user:{user}``: a member per open socket, scored with
the moment it stops counting. Each instance pushes that moment forward for its own sockets every
WS_USER_SOCKETS_REFRESH_S, so the sockets of an instance that died stop counting WS_USER_SOCKETS_TTL_S
after its last refresh, without anyone cleaning up after it. Times are Redis's own clock (``TIME``),
so instances whose clocks differ agree.

When Redis does not answer, sockets are let in uncounted: a Redis outage must not lock everyone out,
and the limit is a guard against one account's abuse, not a guarantee anyone relies on.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Iterable

from redis.asyncio import Redis

from hub.errors import RateLimited
from hub.limits import (
    WS_MAX_SOCKETS_PER_USER,
    WS_USER_SOCKETS_REFRESH_S,
    WS_USER_SOCKETS_RETRY_AFTER_S,
    WS_USER_SOCKETS_TTL_S,
)
from hub.storage.redis import LUA_NOW_MS

log = logging.getLogger(__name__)

_KEY = "dejima:ws-user:"


# KEYS: the user's set. ARGV: member, ttl ms, limit. Returns 1 when counted, 0 when at the limit.
_OPEN = (
    LUA_NOW_MS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
)

# KEYS: users' sets; ARGV: ttl ms, then one member per key. Members are added back when missing, so
# the counts are whole again one refresh after a Redis restart (a socket closed while its refresh was
# in flight may count for one TTL more: harmless).
_REFRESH = (
    LUA_NOW_MS
    + """
local ttl = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + ttl, ARGV[i + 1])
  redis.call('PEXPIRE', key, ttl)
end
return 1
"""
)

# Sockets refreshed per Redis call: one script call per few hundred sockets.
_REFRESH_CHUNK = 500


class UserSockets:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._open = redis.register_script(_OPEN)
        self._refresh = redis.register_script(_REFRESH)
        self._ttl_ms = int(WS_USER_SOCKETS_TTL_S * 1000)

    async def open(self, user_id: str) -> str | None:
        """Count one more socket of ``user_id``: its ticket, or None when Redis did not answer.

        Raises ``RateLimited`` when the user has WS_MAX_SOCKETS_PER_USER open already.
        """
        ticket = secrets.token_hex(8)
        try:
            counted = await self._open(
                keys=[_KEY + user_id], args=[ticket, self._ttl_ms, WS_MAX_SOCKETS_PER_USER]
            )
        except Exception as error:
            log.warning("socket count of a user unavailable (%s); letting the socket in", error)
            return None
        if not counted:
            raise RateLimited(
                f"at most {WS_MAX_SOCKETS_PER_USER} open connections per user; close one first",
                retry_after_s=WS_USER_SOCKETS_RETRY_AFTER_S,
            )
        return ticket

    async def close(self, user_id: str, ticket: str) -> None:
        try:
            await self._redis.zrem(_KEY + user_id, ticket)
        except Exception as error:  # it stops counting when its time runs out
            log.warning("could not uncount a closed socket (%s)", error)

    async def refresh(self, tickets: Iterable[tuple[str, str]]) -> None:
        """Keep counting these open sockets, ``(user id, ticket)``, for another TTL."""
        items = list(tickets)
        for start in range(0, len(items), _REFRESH_CHUNK):
            chunk = items[start : start + _REFRESH_CHUNK]
            await self._refresh(
                keys=[_KEY + user for user, _ in chunk], args=[self._ttl_ms, *[t for _, t in chunk]]
            )

    async def loop(self, tickets: Callable[[], Iterable[tuple[str, str]]]) -> None:
        while True:
            await asyncio.sleep(WS_USER_SOCKETS_REFRESH_S)
            try:
                await self.refresh(tickets())
            except Exception as error:
                log.warning("refreshing the socket counts failed: %s", error)
