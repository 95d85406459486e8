"""A channel as this instance follows it: its local subscribers and the last seq delivered to them.

Events reach a feed from Redis (in the order published, which is not always seq order: two writers
race) and from MongoDB (gap filling). The feed delivers seq ``head + 1`` and nothing else: anything
later waits in ``buffer`` until the hole is filled from the log, anything older is a repeat and is
dropped. So every subscriber sees each event once and in order, whatever the path it took.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from hub.limits import WS_CATCH_UP_PAGE, WS_PENDING_EVENTS_MAX
from hub.realtime.channels import ChannelKind
from hub.realtime.connection import CLOSE_TOO_SLOW, Connection
from hub.realtime.frames import text_frame
from hub.realtime.ports import LogReader
from hub.realtime.presence_view import ChannelPresence
from schemas.events import Event

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, None]], None]

# Events received ahead of a hole are kept up to this many; later ones are read from the log anyway.
_BUFFER_MAX = WS_PENDING_EVENTS_MAX
# A hole that MongoDB cannot fill after this many reads is skipped (only retention can cause one).
_FILL_TRIES = 5


class Subscription:
    __slots__ = (
        "announced",
        "channel_id",
        "conn",
        "counted",
        "feed",
        "full",
        "joined_at",
        "pending",
        "presence_ready",
        "scope",
        "state",
    )

    def __init__(
        self, *, conn: Connection, feed: Feed, channel_id: str, full: bool, scope: str | None
    ) -> None:
        self.conn = conn
        self.feed = feed
        self.channel_id = channel_id
        self.full = full
        self.scope = scope
        # While catching up from the log: live frames held back, (seq, frame), delivered after.
        self.pending: list[tuple[int, bytes]] | None = None
        # Its "subscribed" was sent; it received a presence_state (diffs go to it from then on).
        self.announced = False
        self.presence_ready = False
        self.state: dict[str, Any] = {}
        self.joined_at = ""
        # Counted in the channel's presence (a person); False for watchers such as wall screens.
        self.counted = True

    @property
    def active(self) -> bool:
        """Still subscribed on a live socket (a subscribe in flight may have lost its socket)."""
        return not self.conn.closed and self.conn.subs.get(self.feed.channel) is self


class Feed:
    def __init__(
        self, *, channel: str, kind: ChannelKind, events: LogReader, on_delivered: Callable[[int], None]
    ) -> None:
        self.channel = channel
        self.kind = kind
        self._events = events
        self._on_delivered = on_delivered
        self.subs: dict[Connection, Subscription] = {}
        self.restricted = 0  # subscribers who get the redacted copy
        self.head = 0
        self.buffer: dict[int, bytes] = {}
        # True while the head is read at start and while filling: everything from Redis is buffered.
        self.filling = True
        self.idle = asyncio.Event()
        self._again = False
        self.closed = False
        self.empty_since: float | None = time.monotonic()
        # Subscribes in flight that will attach: the feed must not be closed under them.
        self.reserved = 0
        self.presence = ChannelPresence(channel, self.subs.values) if kind.presence else None

    # --- subscribers ------------------------------------------------------------------------------

    def attach(self, sub: Subscription) -> None:
        self.subs[sub.conn] = sub
        self.restricted += not sub.full
        self.empty_since = None

    def detach(self, sub: Subscription) -> None:
        if self.subs.get(sub.conn) is sub:
            del self.subs[sub.conn]
            self.restricted -= not sub.full
            if not self.subs:
                self.empty_since = time.monotonic()

    def regrant(self, sub: Subscription, *, full: bool) -> None:
        if sub.full != full and self.subs.get(sub.conn) is sub:
            self.restricted += sub.full - full
            sub.full = full
            if self.presence is not None and sub.presence_ready:
                # Presence as the new grant sees it (names and hubs shown or hidden from now on).
                sub.conn.write(self.presence.state_frame(full=full))

    def frame_for(self, event: Event, sub: Subscription) -> bytes:
        """One subscriber's frame of an event read from the log (recovery)."""
        if not sub.full and self.kind.redact is not None:
            event = self.kind.redact(event)
        return text_frame(event.model_dump_json().encode())

    # --- events -----------------------------------------------------------------------------------

    def offer(self, seq: int, payload: bytes) -> bool:
        """An event from Redis. Returns True when a hole appeared and the log must be read."""
        if seq <= self.head or seq in self.buffer:
            return False
        if self.filling or seq != self.head + 1:
            if len(self.buffer) < _BUFFER_MAX:
                self.buffer[seq] = payload
            return not self.filling
        self._deliver(seq, payload)
        return self.drain()

    def drain(self) -> bool:
        """Deliver what the buffer holds in order; True if a hole remains."""
        buffer = self.buffer
        while (payload := buffer.pop(self.head + 1, None)) is not None:
            self._deliver(self.head + 1, payload)
        for seq in [seq for seq in buffer if seq <= self.head]:
            del buffer[seq]
        return bool(buffer)

    def _deliver(self, seq: int, payload: bytes) -> None:
        frame = text_frame(payload)
        restricted_frame = frame
        if self.restricted and self.kind.redact is not None:
            restricted_frame = text_frame(
                self.kind.redact(Event.model_validate_json(payload)).model_dump_json().encode()
            )
        sent = 0
        for sub in self.subs.values():
            out = frame if sub.full else restricted_frame
            pending = sub.pending
            if pending is None:
                sub.conn.write(out)
                sent += 1
            elif len(pending) < WS_PENDING_EVENTS_MAX:
                pending.append((seq, out))
            else:
                sub.conn.close_now(CLOSE_TOO_SLOW, "too far behind: reconnect and subscribe with since")
        self.head = seq
        if sent:
            self._on_delivered(sent)

    def request_fill(self, spawn: Spawn) -> None:
        """Read the log from ``head`` (a hole, a reconnect, a newer head seen in MongoDB)."""
        if self.filling:
            self._again = True
            return
        self.filling = True
        self.idle.clear()
        spawn(self._fill())

    def started(self, head: int, spawn: Spawn) -> None:
        """The head was read at start: deliver from there on."""
        self.head = head
        self.filling = False
        self.idle.set()
        if self.drain():
            self.request_fill(spawn)

    async def _fill(self) -> None:
        tries = 0
        try:
            while not self.closed:
                self._again = False
                events = await self._events.since(self.channel, self.head, limit=WS_CATCH_UP_PAGE)
                before = self.head
                for event in events:
                    if event.seq <= self.head:
                        continue
                    if event.seq > self.head + 1:
                        log.warning(
                            "%s: events %d..%d are no longer kept", self.channel, self.head + 1, event.seq - 1
                        )
                    self.buffer.pop(event.seq, None)
                    self._deliver(event.seq, event.model_dump_json().encode())
                hole = self.drain()
                if len(events) == WS_CATCH_UP_PAGE or self._again:
                    continue
                if not hole:
                    return
                # Redis delivered an event MongoDB does not show yet; look again, then give up the hole.
                tries = 0 if self.head > before else tries + 1
                if tries >= _FILL_TRIES:
                    skip_to = min(self.buffer) - 1
                    log.warning("%s: skipping the hole %d..%d", self.channel, self.head + 1, skip_to)
                    self.head = skip_to
                    self.drain()
                    return
        except Exception:
            log.exception("filling %s from the log failed; the head check will try again", self.channel)
        finally:
            self.filling = False
            self.idle.set()
