"""The realtime core's place in the application's life: started with it, sockets closed (1001) on
shutdown, loops stopped and the presence incarnation retired on cleanup."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from hub import keys
from hub.realtime.registry import Realtime


async def realtime_ctx(app: web.Application) -> AsyncIterator[None]:
    realtime = Realtime(services=app[keys.SERVICES], channels=app[keys.CHANNELS], metrics=app[keys.METRICS])
    app[keys.REALTIME] = realtime
    await realtime.start()
    try:
        yield
    finally:
        await realtime.stop()


async def close_sockets(app: web.Application) -> None:
    if keys.REALTIME in app:
        await app[keys.REALTIME].close_sockets()
