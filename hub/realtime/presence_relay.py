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
from hub.realtime.frames import message_frame
from schemas.common import utc_now
from schemas.realtime import PresenceState

if TYPE_CHECKING:
    from hub.realtime.registry import Realtime

log = logging.getLogger(__name__)


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
        self._to_join: dict[Subscription, bool] = {}  # subscription → it still needs its presence_state
        self._to_leave: list[tuple[str, str, str]] = []  # (channel, conn id, user id)
        self._to_resync: set[Feed] = set()

    def _record(self, sub: Subscription) -> str:
        principal = sub.conn.principal
        assert principal is not None
        return record(
            user_id=principal.id, name=principal.name, conn=sub.conn.id, since=sub.joined_at, state=sub.state
        )

    async def _store_join(self, sub: Subscription) -> None:
        principal = sub.conn.principal
        assert principal is not None
        await self._store.join(
            channel=sub.feed.channel,
            incarnation=self._incarnation,
            conn=sub.conn.id,
            user_id=principal.id,
            rec=self._record(sub),
        )
        if not sub.active:
            # The socket closed while we joined: its leave may have run first; leave again.
            await self._store.leave(channel=sub.feed.channel, conn=sub.conn.id, user_id=principal.id)

    async def join(self, sub: Subscription, *, send_state: bool) -> None:
        """Join this connection's meta, then (for a new subscriber) send it the members."""
        if not sub.joined_at:
            sub.joined_at = _now_text()
        if send_state:
            sub.presence_pending = []
        try:
            await self._store_join(sub)
            if not send_state:
                return
            seq, members = await self._store.snapshot(sub.feed.channel)
        except Exception as error:
            log.warning("presence join on %s failed (%s); retrying", sub.feed.channel, error)
            self._to_join[sub] = send_state or self._to_join.get(sub, False)
            return
        if not sub.active:
            return
        sub.conn.send(PresenceState(channel=sub.feed.channel, members=members))
        pending, sub.presence_pending = sub.presence_pending or [], None
        for diff_seq, frame in pending:
            if diff_seq > seq:
                sub.conn.write(frame)

    async def update(self, sub: Subscription, state: dict[str, Any]) -> None:
        size = len(json.dumps(state, ensure_ascii=False).encode())
        if size > PRESENCE_STATE_MAX_BYTES:
            raise InvalidRequest(f"presence state is {size} bytes; at most {PRESENCE_STATE_MAX_BYTES}")
        sub.state = state
        if sub in self._to_join:
            return  # the retry joins with the new state
        # Joining again replaces the meta: one diff with the old meta leaving and the new one joining.
        try:
            await self._store_join(sub)
        except Exception as error:
            log.warning("presence update on %s failed (%s); retrying", sub.feed.channel, error)
            self._to_join[sub] = False

    async def leave_all(self, subs: list[Subscription]) -> None:
        leaves = []
        for sub in subs:
            self._to_join.pop(sub, None)
            principal = sub.conn.principal
            if principal is not None:
                leaves.append((sub.feed.channel, sub.conn.id, principal.id))
        results = await asyncio.gather(
            *(self._store.leave(channel=ch, conn=conn, user_id=user) for ch, conn, user in leaves),
            return_exceptions=True,
        )
        for leave, result in zip(leaves, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("presence leave on %s failed (%s); retrying", leave[0], result)
                self._to_leave.append(leave)

    async def resync(self, feed: Feed, *, send: bool) -> None:
        """Re-read a channel's members (a lost diff, a Redis reconnect) and send them to its sockets."""
        try:
            if send:
                seq, members = await self._store.snapshot(feed.channel)
            else:
                seq, members = await self._store.seq(feed.channel), {}
        except Exception as error:
            log.warning("reading presence of %s failed (%s); retrying", feed.channel, error)
            self._to_resync.add(feed)
            return
        if send:
            frame = message_frame(PresenceState(channel=feed.channel, members=members))
            for sub in feed.subs.values():
                if sub.presence_pending is None:
                    sub.conn.write(frame)
        if feed.release_presence(seq):
            feed.hold_presence()
            self._realtime.spawn(self.resync(feed, send=True))

    async def loop(self) -> None:
        ttl_ms = int(PRESENCE_TTL_S * 1000)
        while True:
            try:
                known = await self._store.tick(incarnation=self._incarnation, ttl_ms=ttl_ms)
                if not known and self._registered:
                    # Redis lost our members (restart) or took us for dead (a long stall): join again.
                    log.warning("presence of this instance was lost; joining every connection again")
                    for feed in self._realtime.feeds.values():
                        if feed.kind.presence:
                            for sub in feed.subs.values():
                                self._to_join.setdefault(sub, False)
                self._registered = True
                await self._retry()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("presence heartbeat failed: %s", error)
            await asyncio.sleep(PRESENCE_HEARTBEAT_S)

    async def _retry(self) -> None:
        leaves, self._to_leave = self._to_leave, []
        if leaves:
            await self.leave_all_raw(leaves)
        joins, self._to_join = self._to_join, {}
        for sub, send_state in joins.items():
            if sub.active:
                await self.join(sub, send_state=send_state)
        feeds, self._to_resync = self._to_resync, set()
        for feed in feeds:
            if not feed.closed:
                await self.resync(feed, send=True)

    async def leave_all_raw(self, leaves: list[tuple[str, str, str]]) -> None:
        for index, (channel, conn, user) in enumerate(leaves):
            try:
                await self._store.leave(channel=channel, conn=conn, user_id=user)
            except Exception:
                self._to_leave.extend(leaves[index:])
                return

    async def retire(self) -> None:
        try:
            await self._store.retire(self._incarnation)
        except Exception as error:
            log.warning("could not retire presence incarnation %s: %s", self._incarnation, error)
