"""Writers of one channel take turns, across every hub instance, before the log's race for the next
seq (hub/events/log.py). One policy, injected into the event log, for every channel kind it names.

The event log is correct with any number of racing writers (the unique seq decides), but racing is
wasteful: every loser has read and decided for nothing, and two busy instances can starve each other
(each commit of one makes the other's attempt collide again). So writers queue: in this process on
an ``asyncio.Lock`` per channel, across processes on a short Redis lease. The lease only orders work;
if Redis is away or a holder died, a writer waits at most ``TURN_WAIT_S`` and then races as before.

Three things make a turn cheap (docs/boards.md, "Throughput"):

- a process that holds the lease hands it to its own next writer without giving it back, for at
  most ``TURN_HOLD_S`` (then it gives it back, so that other instances get their turn);
- the lease is given back together with the head the holder committed and applied last, and taken
  together with it: the next holder decides on top of that head without reading the log first. A
  stale head costs a retry (the insert of the next seq collides), never a wrong decision;
- a writer of another instance that finds the turn taken does not poll: it blocks on the channel's
  wake list (``BLPOP``), which the holder pushes to when it gives the turn back, so the turn changes
  hands in one round trip (a lost wake-up costs at most ``_WAKE_WAIT_S``);
- the events a holder logged come with the turn too (``Turn.passed``, the last ``PASSED_MAX`` of
  them, for ``_PASSED_TTL_MS``): the next holder, which was told of the log only up to its own last
  event, learns the others' from Redis in the same round trip, instead of reading them from the log
  before it can decide. What it misses (an event too large to pass, one older than the list) it
  reads from the log as before.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from redis.asyncio import Redis

log = logging.getLogger(__name__)

# A commit takes milliseconds; a lease this long outlives any healthy one and frees a dead holder's turn.
TURN_LEASE_MS = 2_000
# Past this a writer goes ahead without its turn (the log keeps it correct, only slower).
TURN_WAIT_S = 3.0
# How long a process keeps the lease for its own queued writers before it lets others in.
TURN_HOLD_S = 0.05
# The head handed over with the lease is forgotten after this (a hint only; a stale one costs a retry).
_HEAD_TTL_MS = 60_000
# After holding the turn for its own writers, a process leaves this gap for the woken other instance.
_GAP_S = 0.004
# A writer waiting for another instance's turn blocks this long on the wake list before asking again
# (a wake-up lost with a holder that died, or taken by a third instance's waiter).
_WAKE_WAIT_S = 0.05
# Events passed on with the turn: enough for every holder's turn in the time a writer waits for one.
PASSED_MAX = 256
# They are wanted by the very next holders only; kept no longer (their data is the log's to keep).
_PASSED_TTL_MS = 10_000
# Take the lease and read the head left by the last holder (-1: someone else holds it), with the
# events passed on after seq ARGV[3] (each "seq:text", oldest first; the list is in seq order).
_ACQUIRE = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local out = {tonumber(redis.call('get', KEYS[2]) or '0')}
  local after = tonumber(ARGV[3])
  if after > 0 then
    -- From the newest back to the first one the taker knows: only what it needs is copied.
    local newer = {}
    for i = redis.call('llen', KEYS[3]) - 1, 0, -1 do
      local entry = redis.call('lindex', KEYS[3], i)
      if tonumber(string.match(entry, '^(%d+):')) <= after then break end
      newer[#newer + 1] = entry
    end
    for i = #newer, 1, -1 do out[#out + 1] = newer[i] end
  end
  return out
end
return {-1}
"""
# Give the lease back (if still ours), leave the head we committed and applied last and the events
# we logged, and wake one waiter of another instance (one token at most; it expires if nobody waits).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  if tonumber(ARGV[2]) > 0 then redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
  if #ARGV > 6 then
    redis.call('rpush', KEYS[4], unpack(ARGV, 7))
    redis.call('ltrim', KEYS[4], -tonumber(ARGV[6]), -1)
    redis.call('pexpire', KEYS[4], ARGV[5])
  end
  redis.call('del', KEYS[1])
  redis.call('rpush', KEYS[3], '1')
  redis.call('ltrim', KEYS[3], -1, -1)
  redis.call('pexpire', KEYS[3], ARGV[4])
  return 1
end
return 0
"""


@dataclass
class Turn:
    """One writer's turn: ``head`` comes with it (0: unknown) and the writer leaves the head it
    committed and applied in it (0: nothing to tell, e.g. its apply failed). ``more``: the writer
    will take the next turn again at once (the log's next group), as a queued writer would.

    ``passed``: events logged by the holders before, after the seq ``turn(after=…)`` asked from,
    each ``(seq, text)`` in seq order; some may be missing. ``logged``: the writer adds the events
    it logged, each ``(seq, text)``, for the holders after it."""

    head: int = 0
    more: bool = False
    passed: list[tuple[int, str]] = field(default_factory=list)
    logged: list[tuple[int, str]] = field(default_factory=list)


class Turns:
    """No turns: every writer races (tests that build an ``EventLog`` by hand, tools)."""

    @asynccontextmanager
    async def turn(self, channel: str, *, after: int = 0) -> AsyncIterator[Turn]:
        """The channel's turn; ``after``: the writer knows the log up to this seq (0: pass nothing)."""
        yield Turn()

    async def let_go(self, channel: str) -> None:
        """Nobody of this process comes for the turn after all (a ``more`` that did not come)."""


@dataclass
class _Local:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0
    token: str | None = None  # the lease this process holds, passed on between its writers
    held_since: float = 0.0
    head: int = 0
    logged: list[tuple[int, str]] = field(default_factory=list)  # to pass on when the lease goes


class RedisTurns(Turns):
    """Turns for the channels of the given kinds (``board``, ``hub``); others race."""

    def __init__(self, redis: Redis, *, kinds: tuple[str, ...]) -> None:
        self._redis = redis
        self._kinds = kinds
        self._local: dict[str, _Local] = {}

    @asynccontextmanager
    async def turn(self, channel: str, *, after: int = 0) -> AsyncIterator[Turn]:
        if channel.partition(":")[0] not in self._kinds:
            yield Turn()
            return
        local = self._local.setdefault(channel, _Local())
        local.users += 1
        loop = asyncio.get_running_loop()
        try:
            async with local.lock:
                if local.token is not None and loop.time() - local.held_since > TURN_HOLD_S:
                    # Kept for a writer that came late: give it back rather than hold it too long.
                    token, local.token = local.token, None
                    await self._release(channel, token, local)
                passed: list[tuple[int, str]] = []
                if local.token is None:
                    local.token, local.head, passed = await self._acquire(channel, after)
                    local.held_since = loop.time()
                    local.logged = []
                turn = Turn(head=local.head, passed=passed)
                try:
                    yield turn
                finally:
                    local.head = turn.head
                    local.logged.extend(turn.logged)
                    waiting = local.users > 1 or turn.more
                    if local.token is not None and (
                        not waiting or loop.time() - local.held_since > TURN_HOLD_S
                    ):
                        token, local.token = local.token, None
                        await self._release(channel, token, local)
                        if waiting:
                            # Held long enough: leave a gap for the waiter the release woke.
                            await asyncio.sleep(_GAP_S)
        finally:
            local.users -= 1
            # Kept (``more``): the next writer finds the lease here.
            if local.users <= 0 and local.token is None and self._local.get(channel) is local:
                del self._local[channel]

    async def let_go(self, channel: str) -> None:
        local = self._local.get(channel)
        if local is None or local.users > 0:
            return
        del self._local[channel]
        if local.token is not None:
            await self._release(channel, local.token, local)

    async def _acquire(self, channel: str, after: int) -> tuple[str | None, int, list[tuple[int, str]]]:
        token = secrets.token_hex(8)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TURN_WAIT_S
        try:
            while True:
                answer = await self._redis.eval(  # type: ignore[misc]
                    _ACQUIRE,
                    3,
                    _key(channel),
                    _head_key(channel),
                    _passed_key(channel),
                    token,
                    str(TURN_LEASE_MS),
                    str(after),
                )
                head = int(answer[0])
                if head >= 0:
                    return token, head, [_entry(raw) for raw in answer[1:]]
                if loop.time() > deadline:
                    log.warning("no turn on %s within %.1f s; racing for it", channel, TURN_WAIT_S)
                    return None, 0, []
                # Redis 6 takes a fractional timeout; redis-py's annotation says int.
                await self._redis.blpop([_wake_key(channel)], timeout=_WAKE_WAIT_S)  # type: ignore[arg-type,misc]
        except Exception:
            log.exception("taking a turn on %s failed; racing for it", channel)
            return None, 0, []

    async def _release(self, channel: str, token: str, local: _Local) -> None:
        logged, local.logged = local.logged[-PASSED_MAX:], []
        try:
            await self._redis.eval(  # type: ignore[misc]
                _RELEASE,
                4,
                _key(channel),
                _head_key(channel),
                _wake_key(channel),
                _passed_key(channel),
                token,
                str(local.head),
                str(_HEAD_TTL_MS),
                str(int(_WAKE_WAIT_S * 1000)),
                str(_PASSED_TTL_MS),
                str(PASSED_MAX),
                *(f"{seq}:{text}" for seq, text in logged),
            )
        except Exception:
            # The lease ends by itself within TURN_LEASE_MS.
            log.exception("giving back the turn on %s failed", channel)


def _key(channel: str) -> str:
    return f"dejima:turn:{channel}"


def _head_key(channel: str) -> str:
    return f"dejima:turn-head:{channel}"


def _wake_key(channel: str) -> str:
    return f"dejima:turn-wake:{channel}"


def _passed_key(channel: str) -> str:
    return f"dejima:turn-passed:{channel}"


def _entry(raw: str) -> tuple[int, str]:
    seq, _, text = raw.partition(":")
    return int(seq), text
