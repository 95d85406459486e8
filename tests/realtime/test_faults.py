"""Faults under load: a hub instance killed outright, Redis restarted. Nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from websockets.exceptions import ConnectionClosed, InvalidStatus

from hub.embedded import EmbeddedStack
from tests.conftest import AppFactory, Servers, UserFactory
from tests.realtime.conftest import Connect, Socket, StartProcess, commit_note, events_of, ws_url


class Follower:
    """A page following one channel: on any drop it reconnects (to the next URL) with ``since``."""

    def __init__(self, connect_ws: Connect, urls: list[str], token: str, channel: str) -> None:
        self._connect, self._urls, self._token, self._channel = connect_ws, urls, token, channel
        self.seqs: list[int] = []
        self.reconnects = 0
        self.under_way = asyncio.Event()  # set once it received 80 events

    async def run(self, until_seq: int, within_s: float) -> None:
        deadline = time.monotonic() + within_s
        url_index = 0
        while not self.seqs or self.seqs[-1] < until_seq:
            assert time.monotonic() < deadline, f"stuck at {self.seqs[-1:]}, {self.reconnects} reconnects"
            url = self._urls[url_index % len(self._urls)]
            try:
                socket: Socket = await self._connect(url, token=self._token)
                await socket.subscribe(self._channel, since=self.seqs[-1] if self.seqs else 0)
                while not self.seqs or self.seqs[-1] < until_seq:
                    frame = await socket.recv(within_s=max(0.01, deadline - time.monotonic()))
                    if frame["type"] == "event":
                        self.seqs.append(frame["seq"])
                        if len(self.seqs) >= 80:
                            self.under_way.set()
            except (ConnectionClosed, OSError, InvalidStatus):
                # InvalidStatus: 429 while the killed instance's sockets still count towards the
                # user's 20 (for a few seconds); a page retries like any failed connect.
                self.reconnects += 1
                url_index += 1
                await asyncio.sleep(0.05)


async def produce(client: TestClient[Any, Any], channel: str, count: int, *, per_s: float) -> None:
    events = events_of(client)
    for n in range(count):
        await commit_note(events, channel, n)
        await asyncio.sleep(1 / per_s)


@pytest.mark.slow
async def test_sigkill_of_an_instance_under_load(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect, start_instance: StartProcess
) -> None:
    user = await make_user("member")
    channel = f"user:{user.id}"
    doomed, survivor = start_instance(), start_instance()
    # Ten pages on the instance that will die, ten on the other; each fails over to the next URL.
    followers = [Follower(connect_ws, [doomed.url, survivor.url], user.token, channel) for _ in range(10)]
    followers += [Follower(connect_ws, [survivor.url, doomed.url], user.token, channel) for _ in range(10)]
    total = 300
    running = [asyncio.create_task(f.run(until_seq=total, within_s=60)) for f in followers]
    writer = asyncio.create_task(produce(client, channel, total, per_s=100))
    await followers[0].under_way.wait()
    doomed.kill()
    await writer
    await asyncio.gather(*running)
    for follower in followers:
        assert follower.seqs == list(range(1, total + 1))
    assert all(f.reconnects >= 1 for f in followers[:10])


@pytest.mark.slow
async def test_redis_restart_under_load(
    servers: Servers,
    make_client: AppFactory,
    client: TestClient[Any, Any],
    make_user: UserFactory,
    connect_ws: Connect,
) -> None:
    if servers.stack is None:
        pytest.skip("Redis is an outside server here; it cannot be restarted by the tests")
    stack: EmbeddedStack = servers.stack
    other = await make_client()
    user = await make_user("member")
    channel = f"user:{user.id}"
    urls = [ws_url(client)] * 3 + [ws_url(other)] * 3
    followers = [Follower(connect_ws, [url], user.token, channel) for url in urls]
    total = 300
    running = [asyncio.create_task(f.run(until_seq=total, within_s=60)) for f in followers]
    writer = asyncio.create_task(produce(client, channel, total, per_s=100))
    await followers[0].under_way.wait()
    # Half a second without Redis while changes keep coming, then a fresh, empty Redis on the same
    # port. (Started from the main thread: the child dies with the thread that started it.)
    stack.kill_redis()
    await asyncio.sleep(0.5)
    stack.restart_redis()
    await writer
    await asyncio.gather(*running)
    for follower in followers:
        assert follower.seqs == list(range(1, total + 1))
