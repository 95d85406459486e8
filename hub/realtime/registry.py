"""Everything realtime of one hub instance: its sockets, the channels they follow, and the loops that
keep those channels complete. Design note: docs/realtime.md.

Subscribing with ``since`` is the delicate part: the subscription is attached to the live feed
*before* the missed events are read from MongoDB, with live frames held back in ``pending``; the
missed events up to the feed's head at that instant are sent, then what was held. Nothing between
the log and the live stream can fall through, and nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets
import time
from collections.abc import Coroutine
from typing import Any

from aiohttp import WSCloseCode, web

from hub.errors import DomainError, InvalidRequest, Unavailable
from hub.events.bus import Bus, events_topic, presence_topic
from hub.events.presence import PresenceStore
from hub.limits import (
    FEED_LINGER_S,
    HEAD_CHECK_INTERVAL_S,
    HEAD_CHECK_WINDOW_S,
    WS_CATCH_UP_BUFFER_BYTES,
    WS_CATCH_UP_PAGE,
    WS_MAX_SUBSCRIPTIONS,
)
from hub.metrics import Metrics
from hub.principal import Principal
from hub.realtime.channels import ChannelKind, ChannelTable, Grant
from hub.realtime.connection import CLOSE_POLICY, CLOSE_TOO_SLOW, Connection
from hub.realtime.feeds import Feed, Subscription
from hub.realtime.ports import Authenticate, CountsInPresence, LogReader
from hub.realtime.presence_relay import PresenceRelay
from hub.realtime.user_sockets import UserSockets
from hub.stopping import cancel_and_wait
from schemas.realtime import (
    ErrorMessage,
    PresenceUpdateMessage,
    RightsChanged,
    RightsChangedFrame,
    Subscribed,
    SubscribeMessage,
    Unsubscribed,
)

log = logging.getLogger(__name__)

# A recovering socket that does not read a page of missed events within this long is cut off.
_DRAIN_TIMEOUT_S = 30.0
# Users whose rights are re-checked at once after a Redis reconnect (each costs a few MongoDB reads).
_RECHECK_CONCURRENCY = 16


class Realtime:
    def __init__(
        self,
        *,
        log: LogReader,
        presence: PresenceStore,
        authenticate: Authenticate,
        channels: ChannelTable,
        metrics: Metrics,
        redis_url: str,
        user_sockets: UserSockets,
        counts_in_presence: CountsInPresence,
    ) -> None:
        self.authenticate = authenticate
        self.counts_in_presence = counts_in_presence
        self.channels = channels
        self.metrics = metrics
        self.incarnation = secrets.token_hex(4)
        self.connections: set[Connection] = set()
        self.feeds: dict[str, Feed] = {}
        self.bus = Bus(redis_url, self)
        self.presence = PresenceRelay(self, presence)
        self.user_sockets = user_sockets
        self._log = log
        self._numbers = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []

    # --- life cycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self._loops = [
            asyncio.create_task(self.bus.run(), name="realtime-bus"),
            asyncio.create_task(self._head_check_loop(), name="realtime-head-check"),
            asyncio.create_task(self.presence.loop(), name="realtime-presence"),
            asyncio.create_task(self.user_sockets.loop(self._tickets), name="realtime-user-sockets"),
        ]

    def _tickets(self) -> list[tuple[str, str]]:
        return [
            (conn.principal.id, conn.ticket)
            for conn in self.connections
            if conn.ticket is not None and conn.principal is not None
        ]

    async def close_sockets(self) -> None:
        """On shutdown: every socket gets 1001 (GOING_AWAY); clients reconnect to another instance."""
        closing = [
            conn.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server restarting")
            for conn in self.connections
        ]
        if closing:
            await asyncio.wait([asyncio.ensure_future(c) for c in closing], timeout=5.0)

    async def stop(self) -> None:
        if self._tasks:  # presence leaves of the sockets just closed: let them finish
            await asyncio.wait(list(self._tasks), timeout=2.0)
        await cancel_and_wait([*self._loops, *self._tasks])
        await self.presence.retire()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("realtime task failed", exc_info=task.exception())

    # --- connections ------------------------------------------------------------------------------

    def connect(
        self,
        ws: web.WebSocketResponse,
        *,
        transport: asyncio.Transport,
        principal: Principal | None,
        token: str | None,
        ticket: str | None = None,
    ) -> Connection:
        conn = Connection(
            conn_id=f"{self.incarnation}.{next(self._numbers)}",
            ws=ws,
            transport=transport,
            principal=principal,
            token=token,
        )
        conn.ticket = ticket
        self.connections.add(conn)
        self.metrics.open_websockets.inc()
        return conn

    def disconnect(self, conn: Connection) -> None:
        """Forget a closed socket. Synchronous, so that even a cancelled handler completes it; the
        presence leaves go on in the background."""
        if conn not in self.connections:
            return
        self.connections.discard(conn)
        self.metrics.open_websockets.dec()
        conn.closed = True
        if conn.ticket is not None and conn.principal is not None:
            self.spawn(self.user_sockets.close(conn.principal.id, conn.ticket))
            conn.ticket = None
        subs = list(conn.subs.values())
        conn.subs.clear()
        for sub in subs:
            sub.feed.detach(sub)
        self.presence.leave_soon([sub for sub in subs if sub.feed.kind.presence])

    # --- subscribe / unsubscribe ------------------------------------------------------------------

    async def subscribe(self, conn: Connection, msg: SubscribeMessage) -> None:
        assert conn.principal is not None
        kind, channel_id = self.channels.resolve(msg.channel)
        grant = await kind.check(conn.principal, channel_id)
        if not grant.full and kind.redact is None:
            raise RuntimeError(f"channel kind {kind.name!r} restricted a grant but has no redactor")
        channel = msg.channel
        previous = conn.subs.pop(channel, None)
        if previous is not None:
            previous.feed.detach(previous)  # its presence meta is replaced by the new join
        elif len(conn.subs) >= WS_MAX_SUBSCRIPTIONS:
            raise InvalidRequest(f"a socket may follow at most {WS_MAX_SUBSCRIPTIONS} channels")
        try:
            sub, head = await self._attach(
                conn, kind=kind, channel_id=channel_id, channel=channel, grant=grant, since=msg.since
            )
        except BaseException:
            if previous is not None and kind.presence:
                self.presence.leave_soon([previous])
            raise
        if sub is None:
            return
        since = msg.since
        if sub.pending is None:
            conn.send(Subscribed(ref=msg.ref, channel=channel, seq=head, recovered=True))
            sub.announced = True
        else:
            assert since is not None
            await self._recover(sub, since=since, head=head, ref=msg.ref)
        sub.counted = msg.presence and self.counts_in_presence(conn.principal)
        if sub.feed.presence is not None and sub.active:
            if sub.counted:
                self.presence.join_soon(sub)
            else:
                self.presence.watch_soon(sub)  # sees the members, is not one of them

    async def _attach(
        self,
        conn: Connection,
        kind: ChannelKind,
        channel_id: str,
        channel: str,
        grant: Grant,
        since: int | None,
    ) -> tuple[Subscription | None, int]:
        """Attach a new subscription to its feed; the head it starts from (None: the socket went)."""
        feed = await self._feed(channel, kind)
        feed.reserved += 1
        try:
            sub = Subscription(
                conn=conn, feed=feed, channel_id=channel_id, full=grant.full, scope=grant.scope
            )
            if since is not None and since > feed.head:
                # The client saw events this instance has not received yet (it came from another
                # instance a moment ago): bring the feed up to the log first.
                feed.request_fill(self.spawn)
                await feed.idle.wait()
            if conn.closed or channel in conn.subs:
                return None, 0  # the socket closed, or a second subscribe overtook this one
            head = feed.head
            if since is not None and since != head:
                sub.pending = []
            conn.subs[channel] = sub
            feed.attach(sub)
            return sub, head
        finally:
            feed.reserved -= 1

    async def _recover(self, sub: Subscription, *, since: int, head: int, ref: str | int | None) -> None:
        conn, feed = sub.conn, sub.feed
        page = [] if since > head else await self._log.since(feed.channel, since, limit=WS_CATCH_UP_PAGE)
        if not sub.active:
            return
        if not page or page[0].seq != since + 1:
            # Events after ``since`` are gone (retention) or never existed here: the client reloads
            # its snapshot; it gets live events from ``head`` on meanwhile.
            oldest = await self._log.oldest_kept(feed.channel)
            sub.announced = True
            conn.send(
                Subscribed(
                    ref=ref,
                    channel=feed.channel,
                    seq=head,
                    recovered=False,
                    from_=head + 1 if oldest is None else oldest,
                )
            )
            await self._go_live(sub)
            return
        conn.send(Subscribed(ref=ref, channel=feed.channel, seq=head, recovered=True))
        sub.announced = True
        last = since
        while sub.active:
            for event in page:
                if event.seq > head:
                    break
                # Paced by what the socket has drained, frame by frame: a page of big events never
                # piles up past the send queue's limit (1013) in front of a client that reads.
                if not await self._drained(conn):
                    return
                conn.write(feed.frame_for(event, sub))
                last = event.seq
            if last >= head:
                break
            page = await self._log.since(feed.channel, last, limit=WS_CATCH_UP_PAGE)
            if not page or page[0].seq != last + 1:
                conn.close_now(CLOSE_TOO_SLOW, "missed events expired while being sent: subscribe again")
                return
        await self._go_live(sub)

    async def _go_live(self, sub: Subscription) -> None:
        """Send the live frames held during the catch-up, paced like it, then let live ones through.

        The feed appends to ``sub.pending`` meanwhile; it is emptied and set to None with no await in
        between, so no frame is lost or reordered.
        """
        while sub.pending:
            held, sub.pending = sub.pending, []
            for _, frame in held:
                if not await self._drained(sub.conn):
                    return
                sub.conn.write(frame)
        sub.pending = None

    @staticmethod
    async def _drained(conn: Connection) -> bool:
        """Backpressure of a catch-up: wait until the socket holds at most WS_CATCH_UP_BUFFER_BYTES."""
        if conn.transport.get_write_buffer_size() <= WS_CATCH_UP_BUFFER_BYTES:
            return not conn.closed
        deadline = time.monotonic() + _DRAIN_TIMEOUT_S
        while conn.transport.get_write_buffer_size() > WS_CATCH_UP_BUFFER_BYTES:
            if conn.closed:
                return False
            if time.monotonic() > deadline:
                conn.close_now(CLOSE_TOO_SLOW, "too slow: reconnect and subscribe with since")
                return False
            await asyncio.sleep(0.02)
        return not conn.closed

    def unsubscribe(self, conn: Connection, channel: str) -> None:
        sub = conn.subs.pop(channel, None)
        if sub is not None:
            sub.feed.detach(sub)
            if sub.feed.kind.presence:
                self.presence.leave_soon([sub])

    def update_presence(self, conn: Connection, msg: PresenceUpdateMessage) -> None:
        sub = conn.subs.get(msg.channel)
        if sub is None:
            raise InvalidRequest(f"subscribe to {msg.channel[:80]} first")
        if not sub.feed.kind.presence:
            raise InvalidRequest("this channel has no presence")
        if not sub.counted:
            return  # a watcher (a screen, a kiosk) has no state to show
        self.presence.update(sub, msg.state)

    async def _end(self, sub: Subscription, *, code: str, message: str) -> None:
        """End a subscription the server no longer allows, telling the client why."""
        if not sub.active:
            return
        self.unsubscribe(sub.conn, sub.feed.channel)
        sub.conn.send(ErrorMessage(ref=None, code=code, message=message, channel=sub.feed.channel))
        sub.conn.send(Unsubscribed(ref=None, channel=sub.feed.channel))

    # --- feeds ------------------------------------------------------------------------------------

    async def _feed(self, channel: str, kind: ChannelKind) -> Feed:
        feed = self.feeds.get(channel)
        if feed is None:
            feed = Feed(
                channel=channel, kind=kind, events=self._log, on_delivered=self.metrics.events_delivered.inc
            )
            self.feeds[channel] = feed
            self.spawn(self._open(feed))
        feed.reserved += 1
        try:
            await feed.idle.wait()
        finally:
            feed.reserved -= 1
        if feed.closed:
            raise Unavailable("this channel cannot be followed right now; try again")
        return feed

    async def _open(self, feed: Feed) -> None:
        topics = [events_topic(feed.channel)]
        if feed.presence is not None:
            topics.append(presence_topic(feed.channel))
        try:
            await self.bus.subscribe(topics)
            head = await self._log.head(feed.channel)
        except Exception:
            log.exception("opening channel %s failed", feed.channel)
            self._close_feed(feed)
            return
        feed.started(head, self.spawn)
        if feed.presence is not None:
            await self.presence.reload(feed)

    def _close_feed(self, feed: Feed) -> None:
        feed.closed = True
        if feed.presence is not None:
            feed.presence.close()
        feed.idle.set()
        if self.feeds.get(feed.channel) is feed:
            del self.feeds[feed.channel]
        topics = [events_topic(feed.channel), presence_topic(feed.channel)]
        self.spawn(self.bus.unsubscribe(topics))

    async def _head_check_loop(self) -> None:
        while True:
            await asyncio.sleep(HEAD_CHECK_INTERVAL_S)
            now = time.monotonic()
            for feed in list(self.feeds.values()):
                idle_since = feed.empty_since
                if (
                    not feed.subs
                    and not feed.reserved
                    and idle_since is not None
                    and now - idle_since > FEED_LINGER_S
                ):
                    self._close_feed(feed)
            if not self.feeds:
                continue
            try:
                heads = await self._log.recent_heads(window_s=HEAD_CHECK_WINDOW_S)
            except Exception as error:
                log.warning("head check failed: %s", error)
                continue
            for channel, seq in heads.items():
                behind = self.feeds.get(channel)
                if behind is not None and seq > behind.head:
                    behind.request_fill(self.spawn)

    # --- the bus (BusListener) --------------------------------------------------------------------

    def on_event(self, channel: str, payload: bytes) -> None:
        feed = self.feeds.get(channel)
        if feed is not None and feed.offer(int(json.loads(payload)["seq"]), payload):
            feed.request_fill(self.spawn)

    def on_presence(self, channel: str, payload: bytes) -> None:
        feed = self.feeds.get(channel)
        view = None if feed is None else feed.presence
        if view is not None and view.offer(int(json.loads(payload)["seq"]), payload):
            assert feed is not None
            self.spawn(self.presence.reload(feed))

    def on_reconnect(self) -> None:
        log.info("pub/sub is back: checking %d channels against the log", len(self.feeds))
        # A ``dejima:rights`` message published while we were away is lost: check every right again.
        self.spawn(self._recheck_everyone())
        for feed in self.feeds.values():
            feed.request_fill(self.spawn)
            if feed.presence is not None:
                feed.presence.hold()
                self.spawn(self.presence.reload(feed))

    def on_rights(self, change: RightsChanged) -> None:
        self.spawn(self._recheck(change))

    async def _recheck_everyone(self) -> None:
        """Every open socket's session and every subscription's right, as if each user had been
        named on ``dejima:rights``; a few at a time, so MongoDB is not flooded by one reconnect."""
        users = {c.principal.id for c in self.connections if c.principal is not None}
        gate = asyncio.Semaphore(_RECHECK_CONCURRENCY)

        async def one(user_id: str) -> None:
            async with gate:
                try:
                    await self._recheck(RightsChanged(user_id=user_id))
                except Exception:
                    log.exception("re-checking the rights of user %s failed", user_id)

        await asyncio.gather(*(one(user_id) for user_id in users))

    async def _recheck(self, change: RightsChanged) -> None:
        targets: list[Subscription] = []
        if change.project_id is not None:
            scope = f"project:{change.project_id}"
            targets += [
                sub for feed in self.feeds.values() for sub in feed.subs.values() if sub.scope == scope
            ]
        if change.user_id is not None:
            for conn in [
                c for c in self.connections if c.principal is not None and c.principal.id == change.user_id
            ]:
                principal = await self.authenticate(conn.token or "")
                if principal is None:
                    conn.send(
                        ErrorMessage(
                            ref=None, code="unauthenticated", message="your session ended; sign in again"
                        )
                    )
                    conn.close_now(CLOSE_POLICY, "session ended")
                    continue
                conn.principal = principal
                targets += [sub for sub in conn.subs.values() if sub not in targets]
        for sub in targets:
            principal = sub.conn.principal
            if not sub.active or principal is None:
                continue
            try:
                grant = await sub.feed.kind.check(principal, sub.channel_id)
            except DomainError:
                await self._end(sub, code="forbidden", message=f"you may no longer follow {sub.feed.channel}")
                continue
            if not grant.full and sub.feed.kind.redact is None:
                await self._end(sub, code="forbidden", message=f"you may no longer follow {sub.feed.channel}")
                continue
            sub.feed.regrant(sub, full=grant.full)
            sub.scope = grant.scope
            sub.conn.send(RightsChangedFrame(channel=sub.feed.channel))
