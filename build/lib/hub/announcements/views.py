"""HTTP views of announcements (API.md, Announcements and notifications)."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.http.auth import require_principal
from hub.http.bodies import parse_body, query_model
from hub.http.idempotency import idempotency_key
from hub.http.openapi import api
from hub.http.responses import json_list, json_response
from hub.web.shell import add_page
from schemas.announcements import AcksOut, AnnouncementIn, AnnouncementOut, AnnouncementQuery

routes = web.RouteTableDef()
_TAGS = ["announcements"]


def add_pages(app: web.Application) -> None:
    """What reached me (in the menu), composing (DX office), and the author's acknowledgement view."""
    add_page(app, path="/announcements", name="announcements", title_key="announcements.title", nav=True)
    add_page(
        app, path="/announcements/new", name="announcement_compose", title_key="announcements.compose_title"
    )
    add_page(
        app, path="/announcements/{id}/acks", name="announcement_acks", title_key="announcements.acks_title"
    )


@routes.post("/api/announcements")
@api(
    summary="Announce (admins, members): now or at publish_at, to all, hubs or projects",
    description="title/body are Japanese; title_en/body_en the optional English text. Each recipient "
    "gets their locale.",
    body=AnnouncementIn,
    response=AnnouncementOut,
    status=201,
    idempotent=True,
    errors=(403,),
    tags=_TAGS,
)
async def create_announcement(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, AnnouncementIn)
    service = request.app[keys.SERVICES].announcements.service
    out = await service.create(principal, body, key=idempotency_key(request))
    return json_response(out, status=201)


@routes.get("/api/announcements")
@api(
    summary="What reached the caller, newest first, not expired (?authored=true: what they wrote)",
    query=AnnouncementQuery,
    response=list[AnnouncementOut],
    errors=(403,),
    tags=_TAGS,
)
async def list_announcements(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, AnnouncementQuery)
    reads = request.app[keys.SERVICES].announcements.reads
    if query.authored:
        return json_list(await reads.authored(principal, limit=query.limit))
    if query.posted:
        return json_list(await reads.posted(principal, limit=query.limit))
    return json_list(await reads.received(principal, limit=query.limit))


@routes.get("/api/announcements/{id}")
@api(
    summary="One announcement (its recipients, its author, admins)",
    response=AnnouncementOut,
    errors=(404,),
    tags=_TAGS,
)
async def get_announcement(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    reads = request.app[keys.SERVICES].announcements.reads
    return json_response(await reads.get(principal, request.match_info["id"]))


@routes.post("/api/announcements/{id}/ack")
@api(summary="I have read this", response=AnnouncementOut, errors=(403, 404), tags=_TAGS)
async def ack_announcement(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    reads = request.app[keys.SERVICES].announcements.reads
    return json_response(await reads.ack(principal, request.match_info["id"]))


@routes.get("/api/announcements/{id}/acks")
@api(
    summary="Who has acknowledged and who is pending (author, admins)",
    response=AcksOut,
    errors=(403, 404),
    tags=_TAGS,
)
async def announcement_acks(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    reads = request.app[keys.SERVICES].announcements.reads
    return json_response(await reads.acks(principal, request.match_info["id"]))
