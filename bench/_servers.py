"""The three servers of the benchmark, each run as its own process (``python bench/fanout.py --serve``).

- ``dejima``: the real application (``create_app``), as ``dejima serve`` runs it, plus a ``board:``
  check that lets every signed-in user follow any board (the boards code does not exist yet).
- ``bare``: aiohttp at its simplest: every socket in a set, each message from Redis pub/sub (already
  serialised) written to each socket. No auth, no order, no recovery, no presence: the limit.
- ``sio``: python-socketio with its Redis manager, every client in one room, the room broadcast.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import suppress

from aiohttp import WSMsgType, web

BARE_TOPIC = "bench:bare"
SIO_ROOM = "board"


def serve(kind: str, port: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    if kind == "dejima":
        app = _dejima_app()
    elif kind == "bare":
        app = _bare_app(os.environ["DEJIMA_REDIS_URL"])
    else:
        app = _sio_app(os.environ["DEJIMA_REDIS_URL"])
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, backlog=2048)


def _dejima_app() -> web.Application:
    from hub import keys
    from hub.app import create_app
    from hub.principal import Principal
    from hub.realtime.channels import ChannelKind, Grant
    from hub.settings import Settings

    async def any_board(principal: Principal, board_id: str) -> Grant:
        return Grant(scope=f"project:{board_id}")

    async def open_boards(app: web.Application) -> None:
        # on_startup runs after the cleanup contexts have started, the realtime core among them.
        app[keys.REALTIME].channels.replace(ChannelKind("board", any_board, presence=True))

    app = create_app(Settings())  # type: ignore[call-arg]
    app.on_startup.append(open_boards)
    return app


def _bare_app(redis_url: str) -> web.Application:
    from redis.asyncio import Redis

    app = web.Application()
    clients: set[web.WebSocketResponse] = set()

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=30, compress=False)
        await ws.prepare(request)
        clients.add(ws)
        try:
            async for _ in ws:
                pass
        finally:
            clients.discard(ws)
        return ws

    async def broadcast(_: web.Application) -> AsyncIterator[None]:
        redis = Redis.from_url(redis_url)
        pubsub = redis.pubsub()
        await pubsub.subscribe(BARE_TOPIC)

        async def relay() -> None:
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=None)
                if message is not None:
                    frame = message["data"]
                    for ws in list(clients):
                        with suppress(Exception):
                            await ws.send_frame(frame, WSMsgType.TEXT)

        task = asyncio.create_task(relay())
        yield
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await redis.aclose()

    app.router.add_get("/ws", websocket)
    app.cleanup_ctx.append(broadcast)
    return app


def _sio_app(redis_url: str) -> web.Application:
    import socketio

    server = socketio.AsyncServer(
        async_mode="aiohttp", client_manager=socketio.AsyncRedisManager(redis_url), cors_allowed_origins="*"
    )
    app = web.Application()
    server.attach(app)

    @server.event  # type: ignore[misc]
    async def connect(sid: str, environ: dict[str, object], auth: object = None) -> None:
        await server.enter_room(sid, SIO_ROOM)

    return app
