"""Prometheus metrics of one hub instance; a registry per app, so tests and instances never share."""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from hub import keys


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dejima_http_requests_total",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "dejima_http_request_duration_seconds",
            "HTTP request latency by route.",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        self.open_websockets = Gauge(
            "dejima_open_websockets", "WebSocket connections open on this instance.", registry=self.registry
        )
        self.events_published = Counter(
            "dejima_events_published_total",
            "Events this instance logged and published.",
            registry=self.registry,
        )
        self.events_delivered = Counter(
            "dejima_events_delivered_total",
            "Event frames this instance sent to sockets.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _route_name(request: web.Request) -> str:
    info = request.match_info.route.resource
    # The route template, not the path: ids must not explode the label set.
    return info.canonical if info is not None else "(unmatched)"


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        metrics = request.app[keys.METRICS]
        route = _route_name(request)
        metrics.requests.labels(request.method, route, str(status)).inc()
        metrics.latency.labels(request.method, route).observe(time.perf_counter() - started)


async def metrics_view(request: web.Request) -> web.Response:
    body = request.app[keys.METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
