"""Fan-out between hub instances through Redis pub/sub. Design note: docs/realtime.md, "Fan-out".

Every logged event is published once, already serialised as the exact frame a socket receives, on
``dejima:ch:{channel}``. Each instance keeps one pub/sub connection and subscribes only to the channels
its own sockets follow. Pub/sub may lose messages (a reconnect, a slow consumer cut off by Redis): the
receiver notices the hole in the seq numbers, or the head check does, and reads what is missing from
MongoDB; this module only tells it when the connection came back so that it checks everything.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import Any, Protocol

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from hub.limits import BUS_RECONNECT_MAX_S, BUS_SUBSCRIBE_TIMEOUT_S
from schemas.events import Event
from schemas.realtime import RightsChanged

log = logging.getLogger(__name__)

EVENTS_PREFIX = "dejima:ch:"
PRESENCE_PREFIX = "dejima:pr:"
RIGHTS_TOPIC = "dejima:rights"

_EVENTS_PREFIX_B = EVENTS_PREFIX.encode()
_PRESENCE_PREFIX_B = PRESENCE_PREFIX.encode()
_RIGHTS_TOPIC_B = RIGHTS_TOPIC.encode()


def events_topic(channel: str) -> str:
    return EVENTS_PREFIX + channel


def presence_topic(channel: str) -> str:
    return PRESENCE_PREFIX + channel


class RedisEventSink:
    """The ``EventLog`` sink: publish each event once, as the frame every subscriber will receive."""

    def __init__(self, redis: Redis, *, on_published: Callable[[], None] | None = None) -> None:
        self._redis = redis
        self._on_published = on_published

    async def __call__(self, event: Event) -> None:
        await self._redis.publish(events_topic(event.channel), event.model_dump_json())
        if self._on_published is not None:
            self._on_published()


async def publish_rights_changed(
    redis: Redis, *, project_id: str | None = None, user_id: str | None = None
) -> None:
    """Tell every instance that who may read something changed (a member removed, a user disabled).

    Every instance checks the affected subscriptions again at once and ends those no longer allowed.
    """
    message = RightsChanged(project_id=project_id, user_id=user_id)
    await redis.publish(RIGHTS_TOPIC, message.model_dump_json(exclude_none=True))


class RightsNews(Protocol):
    """The port domains are handed to say that who may read something changed; every instance
    then checks the affected subscriptions again (``RedisRightsNews``, or nothing in tools)."""

    async def project_changed(self, project_id: str) -> None: ...

    async def user_changed(self, user_id: str) -> None: ...


class RedisRightsNews:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def project_changed(self, project_id: str) -> None:
        await publish_rights_changed(self._redis, project_id=project_id)

    async def user_changed(self, user_id: str) -> None:
        await publish_rights_changed(self._redis, user_id=user_id)


class NoRightsNews:
    """For tools without sockets to tell (benchmarks, one-off scripts)."""

    async def project_changed(self, project_id: str) -> None:
        return None

    async def user_changed(self, user_id: str) -> None:
        return None


class BusListener(Protocol):
    def on_event(self, channel: str, payload: bytes) -> None: ...

    def on_presence(self, channel: str, payload: bytes) -> None: ...

    def on_rights(self, change: RightsChanged) -> None: ...

    def on_reconnect(self) -> None:
        """The pub/sub connection was lost and is back: messages may have been missed meanwhile."""


class Bus:
    """One pub/sub connection of one instance, re-established (and re-subscribed) whenever it drops."""

    def __init__(self, redis_url: str, listener: BusListener) -> None:
        self._url = redis_url
        self._listener = listener
        # The topics this instance wants; the truth a reconnect re-subscribes to.
        self._wanted: set[str] = set()
        self._pubsub: PubSub | None = None
        self._client: Redis | None = None
        # Commands are sent one at a time so that an unsubscribe and a later subscribe of the same
        # topic reach Redis in that order.
        self._lock = asyncio.Lock()
        self._confirmations: dict[bytes, list[asyncio.Future[None]]] = {}
        self.connected = asyncio.Event()

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with backoff and jitter."""
        delay = 0.05
        first = True
        while True:
            try:
                await self._connect()
                if not first:
                    self._listener.on_reconnect()
                first = False
                delay = 0.05
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a boundary: every failure means "reconnect"
                log.warning("pub/sub connection lost (%s); reconnecting", error)
                first = False
            finally:
                await self._disconnect()
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))  # noqa: S311
            delay = min(delay * 2, BUS_RECONNECT_MAX_S)

    async def subscribe(self, topics: Iterable[str]) -> None:
        """Follow ``topics``; return once Redis confirmed them (or after a timeout: see the limit)."""
        topics = list(topics)
        self._wanted.update(topics)
        waiters: list[asyncio.Future[None]] = []
        async with self._lock:
            pubsub = self._pubsub
            if pubsub is None:
                return  # the reconnect subscribes to everything wanted
            loop = asyncio.get_running_loop()
            for topic in topics:
                future: asyncio.Future[None] = loop.create_future()
                self._confirmations.setdefault(topic.encode(), []).append(future)
                waiters.append(future)
            try:
                await pubsub.subscribe(*topics)
            except Exception as error:
                log.warning("subscribing to %s failed (%s); the reconnect will", topics, error)
                return
        with suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*waiters), BUS_SUBSCRIBE_TIMEOUT_S)

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        topics = list(topics)
        self._wanted.difference_update(topics)
        async with self._lock:
            # Someone may want a topic again by now: only drop what nobody wants.
            unwanted = [topic for topic in topics if topic not in self._wanted]
            if self._pubsub is None or not unwanted:
                return
            with suppress(Exception):
                await self._pubsub.unsubscribe(*unwanted)

    async def _connect(self) -> None:
        client = Redis.from_url(self._url, decode_responses=False, socket_connect_timeout=5.0)
        pubsub = client.pubsub()
        self._client = client
        async with self._lock:
            await pubsub.subscribe(RIGHTS_TOPIC, *sorted(self._wanted))
            self._pubsub = pubsub
        self.connected.set()

    async def _disconnect(self) -> None:
        self.connected.clear()
        async with self._lock:
            pubsub, client = self._pubsub, self._client
            self._pubsub = self._client = None
        for futures in self._confirmations.values():
            for future in futures:
                if not future.done():
                    future.set_result(None)
        self._confirmations.clear()
        if pubsub is not None:
            with suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
        if client is not None:
            with suppress(Exception):
                await client.aclose()

    async def _listen(self) -> None:
        pubsub = self._pubsub
        assert pubsub is not None
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is not None:
                self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        topic: bytes = message["channel"]
        if kind == "message":
            data: bytes = message["data"]
            try:
                if topic.startswith(_EVENTS_PREFIX_B):
                    self._listener.on_event(topic[len(_EVENTS_PREFIX_B) :].decode(), data)
                elif topic.startswith(_PRESENCE_PREFIX_B):
                    self._listener.on_presence(topic[len(_PRESENCE_PREFIX_B) :].decode(), data)
                elif topic == _RIGHTS_TOPIC_B:
                    self._listener.on_rights(RightsChanged.model_validate_json(data))
            except ValidationError:
                log.warning("ignoring a malformed message on %r", topic)
            except Exception:
                # One bad message must not take the instance's fan-out down.
                log.exception("handling a message on %r failed", topic)
        elif kind == "subscribe":
            for future in self._confirmations.pop(topic, []):
                if not future.done():
                    future.set_result(None)
