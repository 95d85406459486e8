"""The benchmark's socket clients: the ``websockets`` library's protocol (sans-I/O) on raw asyncio
transports, many per process, so that the clients cost as little CPU as possible and the servers are
what is measured. The same client code talks to all three servers.

A worker process connects its share of the clients, reports "ready", then records the arrival time of
every event (by its ``seq``) between "start" and "stop" commands from the coordinator.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from multiprocessing.connection import Connection
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

_SEQ = b'"seq":'


def _seq_of(data: bytes) -> int:
    start = data.find(_SEQ) + len(_SEQ)
    end = start
    while 48 <= data[end] <= 57:
        end += 1
    return int(data[start:end])


class Recorder:
    def __init__(self) -> None:
        self.recording = False
        self.seqs = array("i")
        self.times = array("d")

    def event(self, data: bytes) -> None:
        if self.recording:
            self.seqs.append(_seq_of(data))
            self.times.append(time.monotonic())


class LeanSocket(asyncio.Protocol):
    """One client: handshake, then every text frame goes to ``on_text``; pings are answered."""

    def __init__(
        self, uri: str, headers: dict[str, str], kind: str, recorder: Recorder, channel: str
    ) -> None:
        self.protocol = ClientProtocol(parse_uri(uri), max_size=None)
        self.request = self.protocol.connect()
        for name, value in headers.items():
            self.request.headers[name] = value
        self.kind, self.recorder, self.channel = kind, recorder, channel
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.protocol.send_request(self.request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if event.status_code != 101:
                    self._fail(f"handshake answered {event.status_code}")
                elif self.kind == "dejima":
                    self.send(b'{"type":"subscribe","ref":"1","channel":"%s"}' % self.channel.encode())
                elif self.kind == "bare":
                    self._ready()
            elif event.opcode is Opcode.TEXT:
                self._text(bytes(event.data))
        self._flush()

    def _text(self, data: bytes) -> None:
        if self.kind == "dejima":
            if data.startswith(b'{"type":"event"'):
                self.recorder.event(data)
            elif data.startswith(b'{"type":"subscribed"'):
                self._ready()
            elif data.startswith(b'{"type":"error"'):
                self._fail(data.decode())
        elif self.kind == "bare" or data.startswith(b"42"):
            self.recorder.event(data)
        elif data == b"2":  # engine.io ping
            self.send(b"3")
        elif data.startswith(b"0{"):  # engine.io open: join the default namespace
            self.send(b"40")
        elif data.startswith(b"40"):
            self._ready()

    def send(self, text: bytes) -> None:
        self.protocol.send_text(text)
        self._flush()

    def _flush(self) -> None:
        if self.transport is None:
            return
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            else:
                self.transport.close()

    def _ready(self) -> None:
        if not self.ready.done():
            self.ready.set_result(None)

    def _fail(self, why: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(why))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail("connection lost")


async def _connect_all(
    *, kind: str, urls: list[str], count: int, headers: dict[str, str], recorder: Recorder, channel: str
) -> list[LeanSocket]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(64)  # the servers' listen backlog is finite
    sockets: list[LeanSocket] = []

    async def one(index: int) -> None:
        url = urls[index % len(urls)]
        uri = parse_uri(url)
        async with gate:
            for attempt in range(5):
                sock = LeanSocket(url, headers, kind, recorder, channel)
                try:
                    await loop.create_connection(lambda s=sock: s, uri.host, uri.port)
                    await asyncio.wait_for(sock.ready, 30)
                except (OSError, RuntimeError, TimeoutError):
                    if sock.transport is not None:
                        sock.transport.abort()
                    await asyncio.sleep(0.2 * (attempt + 1))
                    continue
                sockets.append(sock)
                return

    await asyncio.gather(*(one(i) for i in range(count)))
    return sockets


async def _main(pipe: Connection, options: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    recorder = Recorder()
    sockets = await _connect_all(recorder=recorder, **options)
    pipe.send(("ready", len(sockets)))
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command == "start":
            recorder.seqs, recorder.times = array("i"), array("d")
            recorder.recording = True
        elif command == "count":
            pipe.send(len(recorder.seqs))
        elif command == "stop":
            recorder.recording = False
            pipe.send((recorder.seqs.tobytes(), recorder.times.tobytes()))
        elif command == "close":
            for sock in sockets:
                if sock.transport is not None:
                    sock.transport.abort()
            pipe.send("closed")
            return


def client_worker(pipe: Connection, options: dict[str, Any]) -> None:
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(_main(pipe, options))
