"""One channel's presence as this instance holds it: a mirror of the members kept current by the
diffs, so that a new subscriber's ``presence_state`` costs no Redis read, and diffs batched for a
moment, so that a crowd opening a board at once costs each socket a few frames, not one per person.

The mirror is loaded from Redis when the channel is opened and again whenever a diff was lost
(a hole in the diffs' seq, a Redis reconnect); then every socket gets the state again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import TYPE_CHECKING

from hub.events.presence import Entry, members_json, parse_diff, redact
from hub.limits import PRESENCE_BATCH_S, PRESENCE_GREET_WAIT_S
from hub.realtime.frames import text_frame

if TYPE_CHECKING:
    from hub.realtime.feeds import Subscription


class ChannelPresence:
    def __init__(self, channel: str, subscribers: Callable[[], Iterable[Subscription]]) -> None:
        self.channel = channel
        # Frames are assembled from serialised parts (schemas.realtime.PresenceState / PresenceDiff
        # describe them): a state of thousands of metas costs milliseconds, not a model per meta.
        self._channel_json = json.dumps(channel).encode()
        self._subscribers = subscribers
        self.members: dict[str, Entry] = {}  # connection id → entry
        self.seq = 0
        self.ready = False  # the mirror was loaded
        self._loaded = asyncio.Event()  # set with ``ready``, for watchers waiting for the members
        # Diffs received while the mirror is being (re)loaded: (seq, payload).
        self.held: list[tuple[int, bytes]] | None = []
        # Connections changed since the last flush, with what subscribers last saw of them.
        self._before: dict[str, Entry | None] = {}
        self._flush_at: asyncio.TimerHandle | None = None
        self._state: tuple[int, bytes] | None = None  # (version, frame) of the current state
        self._redacted_state: tuple[int, bytes] | None = None  # the same for restricted subscribers
        self._version = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._greeting: list[Subscription] = []

    async def loaded(self) -> None:
        """Wait until the mirror was loaded once (bounded like a greeting)."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._loaded.wait(), PRESENCE_GREET_WAIT_S)

    async def reached(self, seq: int) -> None:
        """Wait until the mirror reflects diff ``seq`` (bounded: a lost diff is repaired by a reload)."""
        if self.seq >= seq and self.held is None:
            return
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((seq, future))
        with suppress(TimeoutError):
            await asyncio.wait_for(future, PRESENCE_GREET_WAIT_S)

    def _wake(self) -> None:
        if self._waiters and self.held is None:
            still = []
            for seq, future in self._waiters:
                if seq <= self.seq:
                    if not future.done():
                        future.set_result(None)
                else:
                    still.append((seq, future))
            self._waiters = still

    def offer(self, seq: int, payload: bytes) -> bool:
        """A diff from Redis. Returns True when one was lost and the mirror must be reloaded."""
        if self.held is not None:
            self.held.append((seq, payload))
            return False
        if seq <= self.seq:
            return False
        if seq != self.seq + 1:
            self.held = [(seq, payload)]
            return True
        self.seq = seq
        diff = parse_diff(payload)
        for entry in diff.leaves:
            self._change(entry.conn, None)
        for entry in diff.joins:
            self._change(entry.conn, entry)
        if self._flush_at is None and self._before:
            self._flush_at = asyncio.get_running_loop().call_later(PRESENCE_BATCH_S, self.flush)
        self._wake()
        return False

    def _change(self, conn: str, entry: Entry | None) -> None:
        if conn not in self._before:
            self._before[conn] = self.members.get(conn)
        if entry is None:
            self.members.pop(conn, None)
        else:
            self.members[conn] = entry
        self._version += 1

    def flush(self) -> None:
        """Send what changed since the last flush as one diff of its net effect, then greet the new
        subscribers waiting for their state: one serialisation of the members for all of them."""
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
        before, self._before = self._before, {}
        joins: list[Entry] = []
        leaves: list[Entry] = []
        for conn, old in before.items():
            new = self.members.get(conn)
            if old == new:
                continue
            if old is not None:
                leaves.append(old)
            if new is not None:
                joins.append(new)
        if joins or leaves:
            frame = self._diff_frame(joins, leaves)
            redacted: bytes | None = None
            for sub in self._subscribers():
                if sub.presence_ready:
                    if sub.full:
                        sub.conn.write(frame)
                    else:
                        if redacted is None:
                            redacted = self._diff_frame(
                                [redact(e) for e in joins], [redact(e) for e in leaves]
                            )
                        sub.conn.write(redacted)
        greeting, self._greeting = self._greeting, []
        greeting = [sub for sub in greeting if sub.active and not sub.presence_ready]
        for sub in greeting:
            sub.conn.write(self.state_frame(full=sub.full))
            sub.presence_ready = True

    def _diff_frame(self, joins: list[Entry], leaves: list[Entry]) -> bytes:
        return text_frame(
            b'{"type":"presence_diff","channel":%s,"joins":%s,"leaves":%s}'
            % (self._channel_json, members_json(joins), members_json(leaves))
        )

    def state_frame(self, *, full: bool = True) -> bytes:
        """The members as a subscriber with (or without) a full grant sees them, built once per
        version of the mirror."""
        cached = self._state if full else self._redacted_state
        if cached is not None and cached[0] == self._version:
            return cached[1]
        members = self.members.values() if full else [redact(e) for e in self.members.values()]
        payload = b'{"type":"presence_state","channel":%s,"members":%s}' % (
            self._channel_json,
            members_json(members),
        )
        made = (self._version, text_frame(payload))
        if full:
            self._state = made
        else:
            self._redacted_state = made
        return made[1]

    def greet(self, sub: Subscription) -> None:
        """A new subscriber gets the members, as every other socket of the channel sees them, at the
        next flush (a crowd arriving together shares one state)."""
        if sub.presence_ready:
            return
        self._greeting.append(sub)
        if self._flush_at is None:
            self._flush_at = asyncio.get_running_loop().call_later(PRESENCE_BATCH_S, self.flush)

    def hold(self) -> None:
        if self.held is None:
            self.held = []

    def reload(self, seq: int, entries: list[Entry], *, broadcast: bool) -> bool:
        """The members were read from Redis at ``seq``: replace the mirror, send everyone the state
        (unless this is the first load: new subscribers are greeted by ``greet``), replay the diffs
        that came meanwhile. True when a diff is missing again."""
        self._before.clear()
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
        self.members = {entry.conn: entry for entry in entries}
        self.seq = seq
        self.ready = True
        self._loaded.set()
        self._version += 1
        if broadcast:
            for sub in self._subscribers():
                if sub.announced:  # the others are greeted after their "subscribed"
                    sub.conn.write(self.state_frame(full=sub.full))
                    sub.presence_ready = True
        if self._greeting:
            self._flush_at = asyncio.get_running_loop().call_later(PRESENCE_BATCH_S, self.flush)
        held, self.held = sorted(self.held or [], key=lambda item: item[0]), None
        for index, (diff_seq, payload) in enumerate(held):
            if self.offer(diff_seq, payload):
                assert self.held is not None
                self.held.extend(held[index + 1 :])
                return True
        self._wake()
        return False

    def close(self) -> None:
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
