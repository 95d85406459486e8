"""Real sockets against real app instances: every client here is the independent ``websockets`` library.

``make_client`` (tests/conftest.py) already runs each app instance on a TCP port of 127.0.0.1; these
fixtures add socket clients, a way to register a ``board:`` check until the boards code brings its
own, and small events to generate changes with.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hub import keys
from hub.embedded import free_port
from hub.errors import NotFound
from hub.events.log import EventLog
from hub.principal import Principal
from hub.realtime.channels import ChannelKind, Grant
from hub.settings import Settings
from schemas.events import Change, Put
from tests.conftest import CHEAP_PASSWORDS

REPO = Path(__file__).resolve().parents[2]


def ws_url(client: TestClient[Any, Any]) -> str:
    return str(client.make_url("/ws")).replace("http://", "ws://", 1)


@dataclass
class Socket:
    """A test's socket client: JSON in and out, with timeouts so a missing frame fails fast."""

    ws: ClientConnection
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, **message: Any) -> None:
        await self.ws.send(json.dumps(message))

    async def recv(self, within_s: float = 5.0) -> dict[str, Any]:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), within_s))
        self.seen.append(frame)
        return frame  # type: ignore[no-any-return]

    async def expect(self, kind: str, within_s: float = 5.0, **match: Any) -> dict[str, Any]:
        """The next frame of ``kind`` (matching ``match``), skipping others."""
        deadline = time.monotonic() + within_s
        while True:
            frame = await self.recv(max(0.01, deadline - time.monotonic()))
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def subscribe(self, channel: str, since: int | None = None, ref: str = "s") -> dict[str, Any]:
        message: dict[str, Any] = {"type": "subscribe", "channel": channel, "ref": ref}
        if since is not None:
            message["since"] = since
        await self.send(**message)
        return await self.expect("subscribed", ref=ref, channel=channel)

    async def events(self, count: int, within_s: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within_s
        out: list[dict[str, Any]] = []
        while len(out) < count:
            frame = await self.recv(max(0.01, deadline - time.monotonic()))
            if frame["type"] == "event":
                out.append(frame)
        return out

    async def quiet(self, seconds: float) -> list[dict[str, Any]]:
        """Every frame that arrives within ``seconds``."""
        out = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                out.append(await self.recv(left))
            except TimeoutError:
                break
        return out

    async def closed_code(self, within_s: float = 10.0) -> int | None:
        """Read until the server closes; the close code it sent."""
        deadline = time.monotonic() + within_s
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), max(0.01, deadline - time.monotonic()))
        except ConnectionClosed as closed:
            return None if closed.rcvd is None else closed.rcvd.code

    async def close(self) -> None:
        await self.ws.close()


Connect = Callable[..., Awaitable[Socket]]


@pytest.fixture
async def connect_ws() -> AsyncIterator[Connect]:
    sockets: list[Socket] = []

    async def factory(
        target: TestClient[Any, Any] | str,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> Socket:
        url = target if isinstance(target, str) else ws_url(target)
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        socket = Socket(await connect(url, additional_headers=all_headers, open_timeout=5, **options))
        sockets.append(socket)
        return socket

    yield factory
    await asyncio.gather(*(s.ws.close() for s in sockets), return_exceptions=True)


def open_boards(app: web.Application, readers: dict[str, set[str]] | None = None) -> None:
    """Register a ``board:`` check for tests: everyone (``readers`` None) or the listed users.

    A grant is scoped ``project:{board id}``, so ``publish_rights_changed(project_id=board id)``
    re-checks it, as the boards code will do with real projects.
    """

    async def check(principal: Principal, board_id: str) -> Grant:
        if readers is not None and principal.id not in readers.get(board_id, set()):
            raise NotFound("no such board")
        return Grant(scope=f"project:{board_id}")

    app[keys.REALTIME].channels.replace(ChannelKind("board", check, presence=True))


async def commit_notes(events: EventLog, channel: str, numbers: range, *, size: int = 0) -> list[int]:
    """One small event per number (a Put into the ``notes`` collection); their seqs."""
    seqs = []
    for n in numbers:
        seqs.append(await commit_note(events, channel, n, size=size))
    return seqs


async def commit_note(events: EventLog, channel: str, n: int, *, size: int = 0) -> int:
    async def decide() -> Change:
        doc = {"_id": f"{channel}:{n}", "n": n, "pad": "x" * size}
        return Change(
            event="note.created", data={"n": n, "pad": "x" * size}, ops=[Put(collection="notes", doc=doc)]
        )

    return (await events.commit(channel, decide, actor=None)).seq


def events_of(client: TestClient[Any, Any]) -> EventLog:
    return client.app[keys.SERVICES].events


# --- separate server processes (fault tests) ----------------------------------------------------------


@dataclass
class Process:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


StartProcess = Callable[..., Process]


@pytest.fixture
def start_instance(settings: Settings, tmp_path: Path) -> Iterator[StartProcess]:
    """Start a hub instance as its own process: ``python -m hub.cli serve``, or ``tests/realtime/
    instance.py`` (the same app with the test ``board:`` check) when ``boards=True``."""
    started: list[Process] = []

    def factory(*, boards: bool = False) -> Process:
        port = free_port()
        env = {
            **os.environ,
            "DEJIMA_MONGODB_URL": settings.mongodb_url,
            "DEJIMA_MONGODB_DATABASE": settings.database_name,
            "DEJIMA_REDIS_URL": settings.redis_url,
            "DEJIMA_SECRET_KEY": settings.secret_key.get_secret_value(),
            "DEJIMA_ALLOWED_ORIGINS": ",".join(settings.allowed_origins),
            "PYTHONPATH": str(REPO),
            **{f"DEJIMA_{name.upper()}": str(value) for name, value in CHEAP_PASSWORDS.items()},
        }
        if boards:
            command = [sys.executable, str(REPO / "tests" / "realtime" / "instance.py"), str(port)]
        else:
            command = [sys.executable, "-m", "hub.cli", "serve", "--port", str(port)]
        with (tmp_path / f"instance-{port}.log").open("wb") as log:
            process = subprocess.Popen(
                command, env=env, cwd=REPO, stdout=log, stderr=log, stdin=subprocess.DEVNULL
            )
        instance = Process(process, port)
        started.append(instance)
        deadline = time.monotonic() + 30
        import socket

        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / f"instance-{port}.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return instance
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the instance did not start")

    yield factory
    for instance in started:
        if instance.process.poll() is None:
            instance.process.terminate()
            try:
                instance.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                instance.kill()
