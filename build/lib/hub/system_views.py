"""Liveness, readiness and metrics endpoints (API.md, Conventions)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from hub import keys
from hub.http.responses import json_response
from hub.metrics import metrics_view
from hub.storage import mongo, redis
from schemas.common import Status

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return json_response(Status(status="ok"))


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    app = request.app
    if app[keys.SHUTTING_DOWN][0]:
        return json_response(Status(status="shutting down"), status=503)
    mongo_ok, redis_ok = await asyncio.gather(mongo.ping(app[keys.DB]), redis.ping(app[keys.REDIS]))
    if mongo_ok and redis_ok:
        return json_response(Status(status="ready"))
    failing = [name for name, ok in (("mongodb", mongo_ok), ("redis", redis_ok)) if not ok]
    return web.json_response(
        {"error": {"code": "unavailable", "message": "not ready: " + ", ".join(failing) + " not answering"}},
        status=503,
    )


routes.get("/metrics")(metrics_view)
