"""HTTP views of events at the hubs (API.md, "Events at the hubs"). The arrival by code is a check-in:
``POST /api/hubs/{hub_id}/checkins`` in hub/hubs/views.py."""

from __future__ import annotations

import io

import segno
from aiohttp import web
from pydantic import BaseModel

from hub import keys
from hub.errors import NotFound
from hub.gatherings.wiring import Gatherings
from hub.http.auth import require_principal
from hub.http.bodies import parse_body, query_model, validate
from hub.http.client import client_address
from hub.http.openapi import api
from hub.http.responses import json_list, json_response
from hub.web.shell import add_page
from schemas.gatherings import (
    CancelBody,
    Code,
    EventBody,
    EventOut,
    EventPatch,
    EventsQuery,
    MemberRegistrationBody,
    PublicEventOut,
    PublicRegistrationBody,
    RegistrationOut,
    RegistrationRow,
)

routes = web.RouteTableDef()
_TAGS = ["events"]


def add_pages(app: web.Application) -> None:
    """The public pages (no sign-in): the events to come, and one event with its registration form;
    the host's page of registrations."""
    add_page(app, path="/events", name="events", title_key="events.title", auth=False, nav=True)
    add_page(app, path="/events/{id}", name="event", title_key="events.event_title", auth=False)
    add_page(
        app, path="/events/{id}/registrations", name="event_registrations", title_key="events.host_title"
    )


def _gatherings(request: web.Request) -> Gatherings:
    return request.app[keys.SERVICES].gatherings


# --- events ----------------------------------------------------------------------------------------


@routes.post("/api/events")
@api(
    summary="Create an event at a hub (admins, members)",
    body=EventBody,
    response=EventOut,
    status=201,
    errors=(403, 404),
    tags=_TAGS,
)
async def create_event(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, EventBody)
    return json_response(await _gatherings(request).catalogue.create(principal, body), status=201)


@routes.get("/api/events")
@api(
    summary="Events: public ones for everyone signed in, internal ones for admins and members",
    query=EventsQuery,
    response=list[EventOut],
    tags=_TAGS,
)
async def list_events(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, EventsQuery)
    return json_list(await _gatherings(request).catalogue.list_events(principal, query))


@routes.get("/api/events/{id}")
@api(summary="One event with its seat counts", response=EventOut, errors=(404,), tags=_TAGS)
async def get_event(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await _gatherings(request).catalogue.get(principal, request.match_info["id"]))


@routes.patch("/api/events/{id}")
@api(
    summary="Change an event (its creator, admins)",
    description="A larger capacity promotes the waiting list; a capacity below the seats taken is 409; "
    "an event does not move to the other hub (409).",
    body=EventPatch,
    response=EventOut,
    errors=(403, 404, 409),
    tags=_TAGS,
)
async def update_event(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, EventPatch)
    gatherings = _gatherings(request)
    out = await gatherings.catalogue.update(principal, request.match_info["id"], body, gatherings.seats)
    return json_response(out)


@routes.post("/api/events/{id}/cancel")
@api(
    summary="Cancel an event (its creator, admins); registrants with a contact are told",
    response=EventOut,
    errors=(403, 404),
    tags=_TAGS,
)
async def cancel_event(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await _gatherings(request).catalogue.cancel(principal, request.match_info["id"]))


# --- registrations ---------------------------------------------------------------------------------


@routes.post("/api/events/{id}/registrations")
@api(
    summary="Register yourself (signed in) in one click; again answers the same registration (200)",
    body=MemberRegistrationBody,
    response=RegistrationOut,
    status=201,
    errors=(403, 404, 409),
    tags=_TAGS,
)
async def register_member(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, MemberRegistrationBody)
    out, created = await _gatherings(request).seats.register_member(principal, request.match_info["id"], body)
    return json_response(out, status=201 if created else 200)


@routes.get("/api/events/{id}/registrations")
@api(
    summary="Every registration with its status and arrival (its creator, admins, members)",
    response=list[RegistrationRow],
    errors=(404,),
    tags=_TAGS,
)
async def list_registrations(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_list(await _gatherings(request).hosts.registrations(principal, request.match_info["id"]))


@routes.get("/api/events/{id}/registrations.csv")
@api(
    summary="The registrations as CSV, formula-safe, UTF-8 with BOM (its creator, admins, members)",
    media_type="text/csv",
    errors=(404,),
    tags=_TAGS,
)
async def registrations_csv(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    name, body = await _gatherings(request).hosts.csv(principal, request.match_info["id"])
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


# --- without signing in ----------------------------------------------------------------------------


@routes.get("/api/public/events")
@api(summary="Public events not ended, soonest first (no sign-in)", response=list[PublicEventOut], tags=_TAGS)
async def public_events(request: web.Request) -> web.Response:
    return json_list(await _gatherings(request).catalogue.public_list())


@routes.get("/api/public/events/{id}")
@api(summary="One public event (no sign-in)", response=PublicEventOut, errors=(404,), tags=_TAGS)
async def public_event(request: web.Request) -> web.Response:
    return json_response(await _gatherings(request).catalogue.public(request.match_info["id"]))


@routes.post("/api/public/events/{id}/registrations")
@api(
    summary="Register without an account (name, consent; e-mail or LINE optional)",
    description="201 with the registration's 6-character code. No consent: true → 422; a cancelled or "
    "ended event → 409; too many registrations from one address → 429.",
    body=PublicRegistrationBody,
    response=RegistrationOut,
    status=201,
    errors=(404, 409, 422, 429),
    tags=_TAGS,
)
async def register_public(request: web.Request) -> web.Response:
    body = await parse_body(request, PublicRegistrationBody)
    gatherings = _gatherings(request)
    event = await gatherings.catalogue.public_to_register(request.match_info["id"])  # 404 before counting
    await gatherings.per_address.hit(client_address(request))
    out = await gatherings.seats.register_public(event, body)
    return json_response(out, status=201)


@routes.post("/api/public/registrations/{id}/cancel")
@api(
    summary="Cancel a registration with its code (a wrong code → 404)",
    body=CancelBody,
    response=RegistrationOut,
    errors=(404, 409),
    tags=_TAGS,
)
async def cancel_registration(request: web.Request) -> web.Response:
    body = await parse_body(request, CancelBody)
    return json_response(await _gatherings(request).seats.cancel(request.match_info["id"], body.code))


class _CodePath(BaseModel):
    code: Code


@routes.get("/api/public/codes/{code}.svg")
@api(
    summary="A registration code as a QR code (SVG, drawn here)",
    media_type="image/svg+xml",
    errors=(404,),
    tags=_TAGS,
)
async def code_qr(request: web.Request) -> web.Response:
    try:
        code = validate(_CodePath, {"code": request.match_info["code"]}).code
    except Exception as error:
        raise NotFound("not a registration code") from error
    qr = segno.make(code, error="m")
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=10, border=4, dark="#000000", light="#ffffff", xmldecl=False, title=code)
    return web.Response(
        body=out.getvalue(), content_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )
