"""The aiohttp application: routes, middlewares, and one cleanup context per resource it opens."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from aiohttp import web
from arq import create_pool
from arq.connections import RedisSettings
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from hub import keys, system_views
from hub.announcements import public_views as public_announcement_views
from hub.announcements import views as announcement_views
from hub.boards import card_views, finding_views, follow_views
from hub.boards import views as board_views
from hub.calendar import views as calendar_views
from hub.channel_kinds import channel_kinds
from hub.errors import StartupError
from hub.events.bus import RedisEventSink
from hub.gatherings import views as gathering_views
from hub.http.middlewares import error_middleware, request_id_middleware
from hub.http.openapi import setup_openapi
from hub.hubs import views as hub_views
from hub.identity import people_views
from hub.identity import views as identity_views
from hub.limits import MAX_BODY_BYTES
from hub.metrics import Metrics, metrics_middleware
from hub.notifications import views as notification_views
from hub.projects import views as project_views
from hub.realtime import socket as realtime_socket
from hub.realtime.registry import Realtime
from hub.realtime.user_sockets import UserSockets
from hub.residents import views as resident_views
from hub.services import build_services
from hub.settings import Settings
from hub.storage import mongo as mongo_storage
from hub.storage import redis as redis_storage
from hub.web.shell import not_found_page_middleware, setup_web
from hub.webhooks import views as webhook_views

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    mongo: AsyncMongoClient[dict[str, Any]] | None = None,
    redis: Redis | None = None,
) -> web.Application:
    """Build the app. Clients passed in are used as they are and left open for their owner."""
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        middlewares=[request_id_middleware, metrics_middleware, not_found_page_middleware, error_middleware],
    )
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = Metrics()
    app[keys.SHUTTING_DOWN] = [False]
    app.cleanup_ctx.append(_mongo_ctx(mongo))
    app.cleanup_ctx.append(_redis_ctx(redis))
    app.cleanup_ctx.append(_arq_ctx)
    app.cleanup_ctx.append(_services_ctx)
    app.cleanup_ctx.append(_realtime_ctx)
    app.on_shutdown.append(_mark_shutting_down)
    app.on_shutdown.append(_close_sockets)
    app.router.add_routes(system_views.routes)
    setup_openapi(app)
    app.router.add_routes(identity_views.routes)
    app.router.add_routes(board_views.routes)
    app.router.add_routes(follow_views.routes)
    app.router.add_routes(calendar_views.routes)
    app.router.add_routes(card_views.routes)
    app.router.add_routes(finding_views.routes)
    app.router.add_routes(people_views.routes)
    app.router.add_routes(project_views.routes)
    app.router.add_routes(hub_views.routes)
    app.router.add_routes(gathering_views.routes)
    app.router.add_routes(notification_views.routes)
    app.router.add_routes(webhook_views.routes)
    app.router.add_routes(announcement_views.routes)
    app.router.add_routes(public_announcement_views.routes)
    app.router.add_routes(resident_views.routes)
    app.router.add_routes(realtime_socket.routes)
    # Pages last, one way: each domain's views module has ``add_pages(app)`` (hub/web/shell.py
    # ``add_page``); the order is the menu's.
    setup_web(app, keep_static=not settings.dev)
    for views in (
        board_views,
        hub_views,
        gathering_views,
        notification_views,
        announcement_views,
        public_announcement_views,
        project_views,
        people_views,
    ):
        views.add_pages(app)
    return app


def _mongo_ctx(
    injected: AsyncMongoClient[dict[str, Any]] | None,
) -> Any:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[keys.SETTINGS]
        client = injected or mongo_storage.open_client(settings.mongodb_url)
        app[keys.MONGO_CLIENT] = client
        app[keys.DB] = client[settings.database_name]
        try:
            await _must_answer("DEJIMA_MONGODB_URL", "MongoDB", app[keys.DB].command("ping"))
            yield
        finally:
            if injected is None:
                await client.close()

    return ctx


def _redis_ctx(injected: Redis | None) -> Any:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        client = injected or redis_storage.open_client(app[keys.SETTINGS].redis_url)
        app[keys.REDIS] = client
        try:
            await _must_answer("DEJIMA_REDIS_URL", "Redis", client.ping())
            yield
        finally:
            if injected is None:
                await client.aclose()

    return ctx


async def _must_answer(setting: str, what: str, probe: Awaitable[Any]) -> None:
    """Fail the start with one line naming the setting, rather than a traceback or a half-up hub."""
    try:
        await probe
    except (PyMongoError, RedisError, OSError) as error:
        first_line = (str(error).splitlines() or [type(error).__name__])[0][:200]
        raise StartupError(setting, f"{what} does not answer ({first_line})") from error


async def _arq_ctx(app: web.Application) -> AsyncIterator[None]:
    pool = await create_pool(RedisSettings.from_dsn(app[keys.SETTINGS].redis_url))
    app[keys.ARQ] = pool
    try:
        yield
    finally:
        await pool.aclose()


async def _services_ctx(app: web.Application) -> AsyncIterator[None]:
    redis = app[keys.REDIS]
    sink = RedisEventSink(redis, on_published=app[keys.METRICS].events_published.inc)
    services = build_services(
        settings=app[keys.SETTINGS], db=app[keys.DB], redis=redis, sink=sink, arq=app[keys.ARQ]
    )
    await services.ensure_indexes()
    await services.bootstrap()
    app[keys.SERVICES] = services
    yield


async def _realtime_ctx(app: web.Application) -> AsyncIterator[None]:
    """The realtime core gets ports, not the services: the log to read, presence, how to
    authenticate a token, and the kinds of channel with their checks (hub/channel_kinds.py)."""
    services = app[keys.SERVICES]
    realtime = Realtime(
        log=services.events,
        presence=services.presence,
        authenticate=services.identity.sessions.authenticate,
        channels=channel_kinds(
            rights=services.rights, boards=services.boards.service, hubs=services.hubs.service
        ),
        metrics=app[keys.METRICS],
        redis_url=app[keys.SETTINGS].redis_url,
        user_sockets=UserSockets(services.redis),
        counts_in_presence=services.rights.counts_in_presence,
    )
    app[keys.REALTIME] = realtime
    await realtime.start()
    try:
        yield
    finally:
        await realtime.stop()


async def _close_sockets(app: web.Application) -> None:
    """On shutdown every socket gets 1001 (GOING_AWAY); clients reconnect to another instance."""
    if keys.REALTIME in app:
        await app[keys.REALTIME].close_sockets()


async def _mark_shutting_down(app: web.Application) -> None:
    app[keys.SHUTTING_DOWN][0] = True
