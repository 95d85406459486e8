"""Presence: who is on a ``board:`` or ``hub:`` channel now. Design note: docs/realtime.md, "Presence".

Held in Redis, so that every instance sees every member:

- ``dejima:presence:{channel}``: a hash, connection id → the member's record (user, name, conn,
  since, state) as JSON. Connection ids start with the instance's *incarnation* (random per process).
- ``dejima:user-hub:{user}``: the hub where the user is checked in now (``set_user_hub``); the
  ``hub`` of every meta is read from it, so a check-in changes one key and the diffs follow.
- Every change is one Lua script that changes the hash, bumps ``dejima:presence-seq:{channel}`` and
  publishes the diff on ``dejima:pr:{channel}``, all atomically: diffs are totally ordered per channel
  and numbered, so a receiver can drop repeats and notice a lost one, like events.
- Each instance refreshes ``dejima:presence-alive:{incarnation}`` (short TTL) every second and, in the
  same script, removes the members of incarnations whose key expired, publishing their leaves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from redis.asyncio import Redis

_HASH = "dejima:presence:"
_SEQ = "dejima:presence-seq:"
_USER = "dejima:presence-user:"
_INCARNATION = "dejima:presence-inc:"
_ALIVE = "dejima:presence-alive:"
_INCARNATIONS = "dejima:presence-incs"
_USER_HUB = "dejima:user-hub:"

# One entry of a published diff: the stored record verbatim and the user's hub (never re-encoded, so
# a member's state arrives exactly as it was sent).
_ENTRY = """
local function entry(rec, hub)
  if hub then return '{"r":' .. rec .. ',"hub":' .. cjson.encode(hub) .. '}' end
  return '{"r":' .. rec .. ',"hub":null}'
end
local function publish(ch, joins, leaves)
  local seq = redis.call('INCR', 'dejima:presence-seq:' .. ch)
  redis.call('PUBLISH', 'dejima:pr:' .. ch, '{"seq":' .. seq .. ',"joins":[' .. table.concat(joins, ',')
    .. '],"leaves":[' .. table.concat(leaves, ',') .. ']}')
  return seq
end
"""

# KEYS: hash, user set, incarnation set, user hub. ARGV: channel, conn, record. Returns the diff's seq.
_JOIN = (
    _ENTRY
    + """
local old = redis.call('HGET', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1] .. ' ' .. ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
local hub = redis.call('GET', KEYS[4])
local leaves = {}
if old then leaves = {entry(old, hub)} end
return publish(ARGV[1], {entry(ARGV[3], hub)}, leaves)
"""
)

# KEYS: hash, user set, user hub. ARGV: channel, conn.
_LEAVE = (
    _ENTRY
    + """
local rec = redis.call('HGET', KEYS[1], ARGV[2])
if not rec then return 0 end
redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('SREM', KEYS[2], ARGV[1] .. ' ' .. ARGV[2])
publish(ARGV[1], {}, {entry(rec, redis.call('GET', KEYS[3]))})
return 1
"""
)

# KEYS: hash, seq. Returns {seq, record1, hub1, record2, hub2, ...} ('' for no hub).
_SNAPSHOT = """
local out = {tonumber(redis.call('GET', KEYS[2]) or '0')}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local user = cjson.decode(all[i + 1])['user']
  out[#out + 1] = all[i + 1]
  out[#out + 1] = redis.call('GET', 'dejima:user-hub:' .. user) or ''
end
return out
"""

# KEYS: user hub, user set. ARGV: hub ('' for none).
_SET_HUB = (
    _ENTRY
    + """
local old = redis.call('GET', KEYS[1])
local new = false
if ARGV[1] ~= '' then new = ARGV[1]; redis.call('SET', KEYS[1], new) else redis.call('DEL', KEYS[1]) end
if old == new then return 0 end
for _, member in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local space = string.find(member, ' ', 1, true)
  local ch, conn = string.sub(member, 1, space - 1), string.sub(member, space + 1)
  local rec = redis.call('HGET', 'dejima:presence:' .. ch, conn)
  if rec then publish(ch, {entry(rec, new)}, {entry(rec, old)})
  else redis.call('SREM', KEYS[2], member) end
end
return 1
"""
)

# Remove every member of a dead incarnation, one diff of leaves per channel.
_REAP = """
local function reap(inc)
  local prefix = inc .. '.'
  for _, ch in ipairs(redis.call('SMEMBERS', 'dejima:presence-inc:' .. inc)) do
    local hkey = 'dejima:presence:' .. ch
    local all = redis.call('HGETALL', hkey)
    local leaves = {}
    for i = 1, #all, 2 do
      if string.sub(all[i], 1, #prefix) == prefix then
        local user = cjson.decode(all[i + 1])['user']
        redis.call('HDEL', hkey, all[i])
        redis.call('SREM', 'dejima:presence-user:' .. user, ch .. ' ' .. all[i])
        leaves[#leaves + 1] = entry(all[i + 1], redis.call('GET', 'dejima:user-hub:' .. user))
      end
    end
    if #leaves > 0 then publish(ch, {}, leaves) end
  end
  redis.call('DEL', 'dejima:presence-inc:' .. inc, 'dejima:presence-alive:' .. inc)
  redis.call('SREM', 'dejima:presence-incs', inc)
end
"""

# KEYS: own alive key, incarnation set. ARGV: own incarnation, ttl ms.
# Refresh our heartbeat, then reap every incarnation whose heartbeat expired. Returns whether we were
# still registered (false after Redis lost its data, or after a stall long enough to be taken for dead).
_TICK = (
    _ENTRY
    + _REAP
    + """
local known = redis.call('SISMEMBER', KEYS[2], ARGV[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
for _, inc in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', 'dejima:presence-alive:' .. inc) == 0 then reap(inc) end
end
return known
"""
)

# ARGV: own incarnation. A clean shutdown: whatever members are left leave now.
_RETIRE = _ENTRY + _REAP + "reap(ARGV[1])\nreturn 1\n"


class Entry(NamedTuple):
    """One connection's presence: whose it is, and its meta already serialised (once per instance)."""

    user_id: str
    name: str
    conn: str
    meta: bytes  # {"conn", "state", "since", "hub"} as JSON


@dataclass(frozen=True, slots=True)
class Diff:
    seq: int
    joins: list[Entry]
    leaves: list[Entry]


def record(*, user_id: str, name: str, conn: str, since: str, state: dict[str, Any]) -> str:
    """The stored form of one connection's meta."""
    doc = {"user": user_id, "name": name, "conn": conn, "since": since, "state": state}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _entry(rec: dict[str, Any], hub: str | None) -> Entry:
    meta = {"conn": rec["conn"], "state": rec["state"], "since": rec["since"], "hub": hub}
    return Entry(rec["user"], rec["name"], rec["conn"], _dumps(meta))


def redact(entry: Entry) -> Entry:
    """The copy of a meta for a subscriber who may not see who is where (a kiosk of another hub):
    no name and no hub, as ``checkin.*`` events lose the visitor's identity for them."""
    meta = json.loads(entry.meta)
    meta["hub"] = None
    return Entry(entry.user_id, "", entry.conn, _dumps(meta))


def members_json(entries: Iterable[Entry]) -> bytes:
    """The contract's ``members``: user id → name and one meta per connection (schemas.realtime.
    PresenceMember). Assembled from the serialised metas: a channel of thousands stays cheap."""
    users: dict[str, tuple[str, list[bytes]]] = {}
    for entry in entries:
        user = users.get(entry.user_id)
        if user is None:
            users[entry.user_id] = (entry.name, [entry.meta])
        else:
            user[1].append(entry.meta)
    parts = [
        _dumps(user_id) + b':{"name":' + _dumps(name) + b',"metas":[' + b",".join(metas) + b"]}"
        for user_id, (name, metas) in users.items()
    ]
    return b"{" + b",".join(parts) + b"}"


def parse_diff(payload: bytes) -> Diff:
    raw = json.loads(payload)
    return Diff(
        seq=int(raw["seq"]),
        joins=[_entry(item["r"], item["hub"]) for item in raw["joins"]],
        leaves=[_entry(item["r"], item["hub"]) for item in raw["leaves"]],
    )


class PresenceStore:
    """Every presence change and read, each one round trip to Redis."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._join = redis.register_script(_JOIN)
        self._leave = redis.register_script(_LEAVE)
        self._snapshot = redis.register_script(_SNAPSHOT)
        self._set_hub = redis.register_script(_SET_HUB)
        self._tick = redis.register_script(_TICK)
        self._retire = redis.register_script(_RETIRE)

    async def set_user_hub(self, user_id: str, hub_id: str | None) -> None:
        """The user checked in at ``hub_id`` (or out: None). Every meta of theirs follows, as diffs.

        Call it on every check-in and check-out, from a request or a worker alike.
        """
        await self._set_hub(keys=[_USER_HUB + user_id, _USER + user_id], args=[hub_id or ""])

    async def user_hub(self, user_id: str) -> str | None:
        hub: str | None = await self._redis.get(_USER_HUB + user_id)
        return hub

    async def join(self, *, channel: str, incarnation: str, conn: str, user_id: str, rec: str) -> int:
        """Add or replace one connection's meta; the seq of the diff that says so."""
        keys = [_HASH + channel, _USER + user_id, _INCARNATION + incarnation, _USER_HUB + user_id]
        return int(await self._join(keys=keys, args=[channel, conn, rec]))

    async def leave(self, *, channel: str, conn: str, user_id: str) -> None:
        await self._leave(keys=[_HASH + channel, _USER + user_id, _USER_HUB + user_id], args=[channel, conn])

    async def snapshot(self, channel: str) -> tuple[int, list[Entry]]:
        """Every connection present now and the seq of the last diff this reflects."""
        out = await self._snapshot(keys=[_HASH + channel, _SEQ + channel])
        seq, flat = int(out[0]), out[1:]
        return seq, [_entry(json.loads(flat[i]), flat[i + 1] or None) for i in range(0, len(flat), 2)]

    async def tick(self, *, incarnation: str, ttl_ms: int) -> bool:
        """Heartbeat of this instance and reaping of dead ones; False if we had been forgotten."""
        known = await self._tick(keys=[_ALIVE + incarnation, _INCARNATIONS], args=[incarnation, ttl_ms])
        return bool(known)

    async def retire(self, incarnation: str) -> None:
        """A clean shutdown: the members this instance still has leave now, and it is forgotten."""
        await self._retire(keys=[], args=[incarnation])
