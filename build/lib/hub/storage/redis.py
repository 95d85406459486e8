"""The Redis client used for fan-out, presence, throttling and arq."""

from __future__ import annotations

from redis.asyncio import Redis

# Commands that hang longer than this fail, so a lost Redis shows in /readyz instead of in stuck requests.
SOCKET_TIMEOUT_S = 5.0

# Lua: ``now``, Redis's own clock in milliseconds. Scripts that keep expiry times use it so that
# instances whose clocks differ still agree.
LUA_NOW_MS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""


def open_client(url: str) -> Redis:
    client: Redis = Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=SOCKET_TIMEOUT_S,
        health_check_interval=15,
    )
    return client


async def ping(redis: Redis) -> bool:
    try:
        return bool(await redis.ping())
    except Exception:
        return False
