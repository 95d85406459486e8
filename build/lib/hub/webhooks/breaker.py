"""What keeps partner endpoints that hang or fail from costing more than their own deliveries.

- ``OrgGate``: at most WEBHOOK_ORG_CONCURRENCY deliveries of one organisation in flight per worker
  process. A delivery that finds no free place is not claimed (no attempt counted) and comes back a
  second later, so a worker's places are never all waiting on one organisation's endpoints.
- ``Breaker``: a circuit breaker per endpoint, kept in Redis so every webhook worker shares it.
  WEBHOOK_BREAKER_FAILURES failures in a row open it for WEBHOOK_BREAKER_OPEN_S; while it is open no
  request is made and the delivery is deferred until it may close (a failed attempt of the retry
  schedule, so none waits for ever). Then one delivery is let through as a probe (half-open): a
  success closes the breaker, a failure opens it again for twice as long (up to
  WEBHOOK_BREAKER_OPEN_MAX_S). Times are Redis's clock, so workers agree.

When Redis does not answer, the breaker lets deliveries through: it saves partners' and our time, it
is not what makes delivery correct.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis

from hub.limits import (
    WEBHOOK_BREAKER_FAILURES,
    WEBHOOK_BREAKER_OPEN_MAX_S,
    WEBHOOK_BREAKER_OPEN_S,
    WEBHOOK_BREAKER_TTL_S,
    WEBHOOK_ORG_CONCURRENCY,
    WEBHOOK_TIMEOUT_S,
)
from hub.storage.redis import LUA_NOW_MS

log = logging.getLogger(__name__)

_KEY = "dejima:webhook-breaker:"


# KEYS: the breaker. ARGV: probe lease ms. Returns {verdict, wait ms}: 1 closed (send), 2 half-open
# (send: you are the probe), 0 open (do not send; it may close in ``wait`` ms).
_BEFORE = (
    LUA_NOW_MS
    + """
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
if open_until == 0 then return {1, 0} end
if open_until > now then return {0, open_until - now} end
local probe_until = tonumber(redis.call('HGET', KEYS[1], 'probe_until') or '0')
if probe_until > now then return {0, probe_until - now} end
redis.call('HSET', KEYS[1], 'probe_until', now + tonumber(ARGV[1]))
return {2, 0}
"""
)

# KEYS: the breaker. ARGV: ok (1/0), threshold, first open ms, max open ms, ttl ms.
# Returns the ms it is open for now (0: closed).
_AFTER = (
    LUA_NOW_MS
    + """
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1])
  return 0
end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local was_open = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0') > 0
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if not was_open and failures < tonumber(ARGV[2]) then return 0 end
local opened = redis.call('HINCRBY', KEYS[1], 'opened', 1)
local span = math.min(tonumber(ARGV[3]) * 2 ^ (opened - 1), tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], 'open_until', now + span, 'probe_until', 0, 'failures', 0)
return span
"""
)


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Literal["send", "probe", "wait"]
    wait_s: float = 0.0


class Breaker:
    def __init__(self, redis: Redis) -> None:
        self._before = redis.register_script(_BEFORE)
        self._after = redis.register_script(_AFTER)

    async def before(self, webhook_id: str) -> Verdict:
        try:
            verdict, wait_ms = await self._before(
                keys=[_KEY + webhook_id], args=[int((WEBHOOK_TIMEOUT_S + 5) * 1000)]
            )
        except Exception as error:
            log.warning("webhook breaker unavailable (%s); sending", error)
            return Verdict("send")
        if verdict == 0:
            return Verdict("wait", int(wait_ms) / 1000)
        return Verdict("probe" if verdict == 2 else "send")

    async def after(self, webhook_id: str, *, ok: bool) -> float:
        """Record an attempt's outcome; how long the breaker is open from now (0: closed)."""
        try:
            span_ms = await self._after(
                keys=[_KEY + webhook_id],
                args=[
                    1 if ok else 0,
                    WEBHOOK_BREAKER_FAILURES,
                    int(WEBHOOK_BREAKER_OPEN_S * 1000),
                    int(WEBHOOK_BREAKER_OPEN_MAX_S * 1000),
                    int(WEBHOOK_BREAKER_TTL_S * 1000),
                ],
            )
        except Exception as error:
            log.warning("webhook breaker unavailable (%s)", error)
            return 0.0
        if span_ms:
            log.warning("webhook %s keeps failing: breaker open for %.0f s", webhook_id, span_ms / 1000)
        return float(span_ms) / 1000


class OrgGate:
    """Places per organisation in this process (no waiting: a full organisation is told so)."""

    def __init__(self, per_org: int = WEBHOOK_ORG_CONCURRENCY) -> None:
        self._per_org = per_org
        self._busy: Counter[str] = Counter()

    def take(self, org_id: str) -> bool:
        if self._busy[org_id] >= self._per_org:
            return False
        self._busy[org_id] += 1
        return True

    def release(self, org_id: str) -> None:
        self._busy[org_id] -= 1
        if self._busy[org_id] <= 0:
            del self._busy[org_id]
