"""Every ``web.AppKey`` of the application, with its type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from hub.settings import Settings

if TYPE_CHECKING:
    from arq.connections import ArqRedis

    from hub.http.openapi import OpenApiDocument
    from hub.metrics import Metrics
    from hub.principal import Principal
    from hub.realtime.registry import Realtime
    from hub.services import Services
    from hub.web.shell import WebShell

SETTINGS = web.AppKey("settings", Settings)
MONGO_CLIENT: web.AppKey[AsyncMongoClient[dict[str, Any]]] = web.AppKey("mongo_client")
DB: web.AppKey[AsyncDatabase[dict[str, Any]]] = web.AppKey("db")
REDIS = web.AppKey("redis", Redis)
ARQ: web.AppKey[ArqRedis] = web.AppKey("arq")
SERVICES: web.AppKey[Services] = web.AppKey("services")
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
# The instance's realtime core (hub/realtime/registry.py), built over ports in hub/app.py.
REALTIME: web.AppKey[Realtime] = web.AppKey("realtime")
WEB: web.AppKey[WebShell] = web.AppKey("web")
OPENAPI: web.AppKey[OpenApiDocument] = web.AppKey("openapi")
# Set when SIGTERM arrives: /readyz answers 503 so the proxy stops sending new work here.
SHUTTING_DOWN: web.AppKey[list[bool]] = web.AppKey("shutting_down")

# Per request.
REQUEST_ID = web.RequestKey("request_id", str)
PRINCIPAL: web.RequestKey[Principal | None] = web.RequestKey("principal")
