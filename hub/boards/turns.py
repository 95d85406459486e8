"""Writers of one board take turns, across every hub instance, before the log's race for the next seq.

The event log is correct with any number of racing writers (the unique seq decides), but racing is
wasteful: every loser has read and decided for nothing, and two busy instances can starve each other
(each commit of one makes the other's attempt collide again). So writers queue: in this process on
an ``asyncio.Lock`` per board, across processes on a short Redis lease. The lease only orders work;
if Redis is away or a holder died, a writer waits at most ``TURN_WAIT_S`` and then races as before.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

log = logging.getLogger(__name__)

# A commit takes milliseconds; a lease this long outlives any healthy one and frees a dead holder's turn.
TURN_LEASE_MS = 2_000
# Past this a writer goes ahead without its turn (the log keeps it correct, only slower).
TURN_WAIT_S = 3.0
# Polling while another instance holds the turn: short, jittered, so the lease changes hands fast.
_POLL_S = (0.001, 0.004)
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class BoardTurns:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        # board id → the lock of this process's writers, and how many hold or wait for it.
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def turn(self, board_id: str) -> AsyncIterator[None]:
        lock, users = self._local.get(board_id, (asyncio.Lock(), 0))
        self._local[board_id] = (lock, users + 1)
        try:
            async with lock:
                token = await self._acquire(board_id)
                try:
                    yield
                finally:
                    if token is not None:
                        await self._release(board_id, token)
        finally:
            lock, users = self._local[board_id]
            if users <= 1:
                del self._local[board_id]
            else:
                self._local[board_id] = (lock, users - 1)

    async def _acquire(self, board_id: str) -> str | None:
        key = _key(board_id)
        token = secrets.token_hex(8)
        deadline = asyncio.get_running_loop().time() + TURN_WAIT_S
        try:
            while True:
                if await self._redis.set(key, token, nx=True, px=TURN_LEASE_MS):
                    return token
                if asyncio.get_running_loop().time() > deadline:
                    log.warning("no turn on board %s within %.1f s; racing for it", board_id, TURN_WAIT_S)
                    return None
                await asyncio.sleep(random.uniform(*_POLL_S))  # noqa: S311
        except Exception:
            log.exception("taking a turn on board %s failed; racing for it", board_id)
            return None

    async def _release(self, board_id: str, token: str) -> None:
        try:
            await self._redis.eval(_RELEASE, 1, _key(board_id), token)  # type: ignore[misc]
        except Exception:
            # The lease ends by itself within TURN_LEASE_MS.
            log.exception("giving back the turn on board %s failed", board_id)


def _key(board_id: str) -> str:
    return f"dejima:board-turn:{board_id}"
