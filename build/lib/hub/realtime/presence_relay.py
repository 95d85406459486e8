"""Presence as this instance's sockets see it: joins and leaves of its connections, the state sent
to a new subscriber, and the heartbeat that keeps this instance's members alive in Redis.

A Redis failure never fails a subscription: the join or leave is retried every heartbeat until Redis
answers, and a Redis that lost its data (restart) gets every member of this instance again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

from hub.errors import InvalidRequest
from hub.events.presence import PresenceStore, record
from hub.limits import PRESENCE_HEARTBEAT_S, PRESENCE_STATE_MAX_BYTES, PRESENCE_TTL_S
from hub.realtime.feeds import Feed, Subscription
from schemas.common import utc_now

if TYPE_CHECKING:
    from hub.realtime.registry import Realtime

log = logging.getLogger(__name__)

# Presence commands in flight to Redis per instance: thousands of joins go through in a second or
# two, without a Redis connection per socket.
_REDIS_CONCURRENCY = 32


def _now_text() -> str:
    # The contract's time format, as schemas.common.UtcDatetime writes it.
    return utc_now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class PresenceRelay:
    def __init__(self, realtime: Realtime, store: PresenceStore) -> None:
        self._realtime = realtime
        self._store = store
        self._incarnation = realtime.incarnation
        self._registered = False
        # Work Redis refused, retried every heartbeat.
        self._to_join: set[Subscription] = set()
        self._to_leave: list[tuple[str, str, str]] = []  # (channel, conn id, user id)
        self._to_reload: set[Feed] = set()
        self._retrying = False
        # Joins and leaves in flight to Redis: a crowd arriving or a mass disconnect queues here
        # instead of opening a Redis connection per socket (the heartbeat never waits behind it).
        self._gate = asyncio.Semaphore(_REDIS_CONCURRENCY)

    def _record(self, sub: Subscription) -> str:
        principal = sub.conn.principal
        assert principal is not None
        return record(
            user_id=principal.id, name=principal.name, conn=sub.conn.id, since=sub.joined_at, state=sub.state
        )

    async def _store_join(self, sub: Subscription) -> int:
        principal = sub.conn.principal
        assert principal is not None
        async with self._gate:
            seq = await self._store.join(
                channel=sub.feed.channel,
                incarnation=self._incarnation,
                conn=sub.conn.id,
                user_id=principal.id,
                rec=self._record(sub),
            )
        if sub.conn.closed or sub.feed.channel not in sub.conn.subs:
            # The socket closed or left while we joined: its leave may have run first; leave again.
            await self._leave(sub.feed.channel, sub.conn.id, principal.id)
        return seq

    async def join(self, sub: Subscription) -> None:
        """Add this connection's meta to the channel; the first time, greet it with the members.

        The greeting waits until this instance's mirror has the join, so that the state a new
        subscriber gets includes itself, as every other member sees it.
        """
        if not sub.joined_at:
            sub.joined_at = _now_text()
        view = sub.feed.presence
        assert view is not None
        try:
            seq = await self._store_join(sub)
        except Exception as error:
            log.warning("presence join on %s failed (%s); retrying", sub.feed.channel, error)
            self._to_join.add(sub)
        else:
            if not sub.presence_ready:
                await view.reached(seq)
        if sub.active:
            view.greet(sub)

    async def watch(self, sub: Subscription) -> None:
        """A watcher (a kiosk, a wall: not counted) gets the members and their changes, as its grant
        allows, without joining. It waits for the channel's mirror to be loaded first, so that its
        state is the members', not an empty mirror's (bounded like a join's greeting)."""
        view = sub.feed.presence
        assert view is not None
        await view.loaded()
        if sub.active:
            view.greet(sub)

    def watch_soon(self, sub: Subscription) -> None:
        self._realtime.spawn(self.watch(sub))

    def join_soon(self, sub: Subscription) -> None:
        # In the background: a handler cancelled mid-way must not leave a half-made join behind.
        self._realtime.spawn(self.join(sub))

    def leave_soon(self, subs: list[Subscription]) -> None:
        if subs:
            self._realtime.spawn(self.leave_all(subs))

    def update(self, sub: Subscription, state: dict[str, Any]) -> None:
        size = len(json.dumps(state, ensure_ascii=False).encode())
        if size > PRESENCE_STATE_MAX_BYTES:
            raise InvalidRequest(f"presence state is {size} bytes; at most {PRESENCE_STATE_MAX_BYTES}")
        sub.state = state
        if sub not in self._to_join:  # else the retry joins with the new state
            # Joining again replaces the meta: one diff where the old meta leaves and the new joins.
            self._realtime.spawn(self.join(sub))

    async def leave_all(self, subs: list[Subscription]) -> None:
        leaves = []
        for sub in subs:
            self._to_join.discard(sub)
            principal = sub.conn.principal
            if principal is not None:
                leaves.append((sub.feed.channel, sub.conn.id, principal.id))
        results = await asyncio.gather(
            *(self._leave(ch, conn, user) for ch, conn, user in leaves),
            return_exceptions=True,
        )
        for leave, result in zip(leaves, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("presence leave on %s failed (%s); retrying", leave[0], result)
                self._to_leave.append(leave)

    async def reload(self, feed: Feed) -> None:
        """Read a channel's members from Redis (at open, after a lost diff or a Redis reconnect)."""
        view = feed.presence
        assert view is not None
        view.hold()
        try:
            seq, entries = await self._store.snapshot(feed.channel)
        except Exception as error:
            log.warning("reading presence of %s failed (%s); retrying", feed.channel, error)
            self._to_reload.add(feed)
            return
        if not feed.closed and view.reload(seq, entries, broadcast=view.ready):
            self._realtime.spawn(self.reload(feed))

    async def loop(self) -> None:
        """The heartbeat, every second whatever else is going on (a retry never delays it: an
        instance whose heartbeat is late is taken for dead by the others)."""
        ttl_ms = int(PRESENCE_TTL_S * 1000)
        while True:
            try:
                known = await self._store.tick(incarnation=self._incarnation, ttl_ms=ttl_ms)
                if not known and self._registered:
                    # Redis lost our members (restart) or took us for dead (a long stall): join again.
                    log.warning("presence of this instance was lost; joining every connection again")
                    for feed in self._realtime.feeds.values():
                        if feed.kind.presence:
                            self._to_join.update(feed.subs.values())
                self._registered = True
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("presence heartbeat failed: %s", error)
            if not self._retrying and (self._to_leave or self._to_join or self._to_reload):
                self._retrying = True
                self._realtime.spawn(self._retry())
            await asyncio.sleep(PRESENCE_HEARTBEAT_S)

    async def _retry(self) -> None:
        try:
            leaves, self._to_leave = self._to_leave, []
            if leaves:
                await self.leave_all_raw(leaves)
            joins, self._to_join = self._to_join, set()
            await asyncio.gather(*(self.join(sub) for sub in joins if sub.active))
            feeds, self._to_reload = self._to_reload, set()
            for feed in feeds:
                if not feed.closed:
                    await self.reload(feed)
        finally:
            self._retrying = False

    async def leave_all_raw(self, leaves: list[tuple[str, str, str]]) -> None:
        for index, (channel, conn, user) in enumerate(leaves):
            try:
                await self._leave(channel, conn, user)
            except Exception:
                self._to_leave.extend(leaves[index:])
                return

    async def _leave(self, channel: str, conn: str, user_id: str) -> None:
        async with self._gate:
            await self._store.leave(channel=channel, conn=conn, user_id=user_id)

    async def retire(self) -> None:
        try:
            await self._store.retire(self._incarnation)
        except Exception as error:
            log.warning("could not retire presence incarnation %s: %s", self._incarnation, error)
