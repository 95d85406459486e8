"""Marks, in Redis, of what changed in the last seconds (a session, an account, a project's
members), so that a hub instance may reuse what it read of them for a moment and still see a change
made anywhere at once (API.md: logout "revokes the session or token at once, on every hub instance").

Reading a request's session, its account and the project it acts in cost three MongoDB round trips
per request, more than the rest of a busy board's request together (docs/storage.md, "Reused
reads"). The readers (``SessionService``, ``ProjectStore``) keep what they read for at most
``REUSE_S`` and, before reusing it, ask Redis in one round trip whether any of its keys was marked
since; whoever changes one marks it before the request that changed it is answered, and a mark
outlives any reuse, so what was read before a change is never reused after it. Without Redis
(``marked`` cannot tell) or without marks (``NoChangeMarks``) nothing is reused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from redis.asyncio import Redis

from hub.limits import CHANGE_MARK_S, REUSE_S, REUSED_MAX

log = logging.getLogger(__name__)

_PREFIX = "dejima:changed:"

# A mark must outlive every reuse of what was read before it.
assert CHANGE_MARK_S > REUSE_S


class ChangeMarks(Protocol):
    async def mark(self, *keys: str) -> None:
        """These changed (``session:{id}``, ``account:{id}``, ``project:{id}``): reuse nothing read before."""

    async def marked(self, *keys: str) -> bool:
        """Whether any of these changed recently (True when this cannot be told)."""


class RedisChangeMarks:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def mark(self, *keys: str) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.set(_PREFIX + key, "1", px=int(CHANGE_MARK_S * 1000))
                await pipe.execute()
        except Exception:
            # The change is stored; other instances read it again within REUSE_S, and one whose
            # Redis is unreachable reads it at once (``marked`` is then True).
            log.exception("marking %s as changed in Redis failed", ", ".join(keys))

    async def marked(self, *keys: str) -> bool:
        try:
            return int(await self._redis.exists(*(_PREFIX + key for key in keys))) > 0
        except Exception:
            return True


class NoChangeMarks:
    """Nothing is reused: every request reads MongoDB (tools without Redis)."""

    async def mark(self, *keys: str) -> None:
        return None

    async def marked(self, *keys: str) -> bool:
        return True


T = TypeVar("T")


class Reused(Generic[T]):
    """What a reader read, by key, each reused for ``REUSE_S`` from the moment its read *began* (a
    change marked after that is seen), at most ``REUSED_MAX`` of them (least recently read first)."""

    def __init__(self, marks: ChangeMarks) -> None:
        self._marks = marks
        self._read: dict[str, tuple[T, float]] = {}

    def recent(self, key: str) -> T | None:
        """What was read of ``key`` less than ``REUSE_S`` ago; ask ``unchanged`` before using it."""
        read = self._read.get(key)
        return None if read is None or time.monotonic() >= read[1] else read[0]

    async def unchanged(self, *keys: str) -> bool:
        """No change of these is marked (one Redis round trip)."""
        return not await self._marks.marked(*keys)

    def keep(self, key: str, value: T | None, *, read_began: float) -> None:
        """What a read begun at ``read_began`` (``time.monotonic()``) found; None forgets ``key``."""
        self._read.pop(key, None)
        if value is None:
            return
        self._read[key] = (value, read_began + REUSE_S)
        if len(self._read) > REUSED_MAX:
            del self._read[next(iter(self._read))]

    def forget(self, key: str) -> None:
        self._read.pop(key, None)

    def forget_where(self, stale: Callable[[T], bool]) -> None:
        for key in [key for key, (value, _) in self._read.items() if stale(value)]:
            del self._read[key]
