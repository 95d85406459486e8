"""HTTP views of calendar feeds (API.md, Finding and reminding)."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.calendar.service import CalendarService
from hub.http.auth import require_principal
from hub.http.openapi import api
from hub.http.responses import json_response
from schemas.calendar import CalendarUrlOut

routes = web.RouteTableDef()
_TAGS = ["calendar"]


def _calendar(request: web.Request) -> CalendarService:
    return request.app[keys.SERVICES].calendar.service


@routes.post("/api/me/calendar")
@api(
    summary="A new secret address of your calendar feed (the previous one stops working)",
    response=CalendarUrlOut,
    tags=_TAGS,
)
async def renew_calendar(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    url = await _calendar(request).renew(principal)
    return json_response(CalendarUrlOut(url=url))


@routes.get("/api/calendar/{token}.ics")
@api(
    summary="The calendar feed (RFC 5545) at its secret address, without signing in",
    media_type="text/calendar",
    auth=False,
    errors=(404,),
    tags=_TAGS,
)
async def calendar_feed(request: web.Request) -> web.Response:
    text = await _calendar(request).feed(request.match_info["token"])
    return web.Response(
        text=text,
        content_type="text/calendar",
        charset="utf-8",
        # The address is the secret: no shared cache keeps a copy of what it shows.
        headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"},
    )
