"""HTTP views of hubs and check-ins (API.md, Hubs and check-in)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub import keys
from hub.errors import MalformedRequest
from hub.http.auth import require_principal
from hub.http.bodies import loads, parse_body, query_model, require_json_type, validate
from hub.http.client import client_address
from hub.http.idempotency import idempotency_key
from hub.http.openapi import api
from hub.http.responses import json_list, json_response
from hub.hubs.wiring import Hubs
from hub.web.shell import add_page
from schemas.gatherings import ArrivalBody
from schemas.hubs import (
    VISITOR_FIELDS,
    CheckinOut,
    CheckinsQuery,
    DateRangeQuery,
    ErasureOut,
    HubOut,
    HubPatch,
    HubSnapshot,
    SelfCheckinBody,
    StatsOut,
    VisitorCheckinBody,
)

routes = web.RouteTableDef()


def add_pages(app: web.Application) -> None:
    """The kiosk of a hub (signed in as its kiosk account) and the wall screen of both hubs."""
    add_page(app, path="/kiosk/{hub_id}", name="kiosk", title_key="hubs.kiosk_title")
    add_page(app, path="/wall", name="wall", title_key="hubs.wall_title", nav=True)
    add_page(
        app,
        path="/admin/hubs",
        name="admin_hubs",
        title_key="hubs.admin_title",
        nav=True,
        nav_roles=frozenset({"admin"}),
    )


def _hubs(request: web.Request) -> Hubs:
    return request.app[keys.SERVICES].hubs


@routes.get("/api/hubs")
@api(summary="The hubs with their occupancy now", response=list[HubOut], tags=["hubs"])
async def list_hubs(request: web.Request) -> web.Response:
    await require_principal(request)
    return json_list(await _hubs(request).service.list_hubs())


@routes.patch("/api/hubs/{hub_id}")
@api(summary="Change a hub (admin)", body=HubPatch, response=HubOut, errors=(403, 404), tags=["hubs"])
async def update_hub(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, HubPatch)
    return json_response(await _hubs(request).admin.update_hub(principal, request.match_info["hub_id"], body))


@routes.get("/api/hubs/{hub_id}/snapshot")
@api(
    summary="The hub and who is in, exactly as at seq of channel hub:{id}",
    description="checkins is null for callers who may only see counts (partners).",
    response=HubSnapshot,
    errors=(404,),
    tags=["hubs"],
)
async def snapshot(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await _hubs(request).reads.snapshot(principal, request.match_info["hub_id"]))


@routes.post("/api/hubs/{hub_id}/checkins")
@api(
    summary="Check in: yourself with {}, or a visitor (that hub's kiosk, admin, member)",
    description=(
        "A signed-in user checks themselves in with {} (optionally {purpose}); a visitor's body needs "
        "consent: true (APPI). 201 when created (and again for a repeated Idempotency-Key); 200 with "
        "the open check-in when the caller is in at this hub already. Checking in at the other hub "
        "ends the open check-in there first. An event's registrant arrives with {registration_code}: "
        "201 a check-in with purpose event and event_id, 200 with the same check-in for the same code "
        "again, 409 (with a sentence in Japanese and English) at the wrong hub or time or for a "
        "waitlisted or cancelled registration."
    ),
    body=VisitorCheckinBody,
    response=CheckinOut,
    status=201,
    errors=(403, 404, 409, 503),
    idempotent=True,
    tags=["hubs"],
)
async def check_in(request: web.Request) -> web.Response:
    """``{}`` checks the caller in; a visitor's fields check a visitor in (kiosk or staff)."""
    principal = await require_principal(request)
    hub_id = request.match_info["hub_id"]
    service = _hubs(request).service
    raw = await _json_object(request)
    key = idempotency_key(request)
    rights = request.app[keys.SERVICES].rights
    if "registration_code" in raw:
        # An event's registrant arriving with their code (API.md, Events at the hubs).
        arrival = validate(ArrivalBody, raw)
        out, created = await service.check_in_registrant(principal, hub_id, arrival.registration_code)
        return json_response(out, status=201 if created else 200)
    if rights.checks_in_a_visitor(principal, visitor_fields=bool(VISITOR_FIELDS & raw.keys())):
        await service.hub(hub_id)  # an unknown hub is a 404 before anything else
        visitor = validate(VisitorCheckinBody, raw)
        out, created = await service.check_in_visitor(principal, hub_id, visitor, idempotency_key=key)
    else:
        own = validate(SelfCheckinBody, raw)
        out, created = await service.check_in_self(principal, hub_id, own, idempotency_key=key)
    return json_response(out, status=201 if created else 200)


@routes.post("/api/checkins/{checkin_id}/checkout")
@api(
    summary="Check out (the person, staff, or the hub's kiosk); repeating it changes nothing",
    response=CheckinOut,
    errors=(403, 404),
    tags=["hubs"],
)
async def check_out(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await _hubs(request).service.check_out(principal, request.match_info["checkin_id"]))


@routes.post("/api/checkins/{checkin_id}/erase")
@api(
    summary="Erase a visitor's name, organisation and contact now (admin; audited)",
    response=ErasureOut,
    errors=(403, 404, 409),
    tags=["hubs"],
)
async def erase_visitor(request: web.Request) -> web.Response:
    """An admin erases one visitor's name, organisation and contact now (an addition to the contract)."""
    principal = await require_principal(request)
    return json_response(
        await _hubs(request).retention.erase_now(
            principal, request.match_info["checkin_id"], address=client_address(request)
        )
    )


@routes.get("/api/hubs/{hub_id}/checkins")
@api(
    summary="Check-ins of a hub: who is in now with active=true, else those of a date range (default today)",
    query=CheckinsQuery,
    response=list[CheckinOut],
    errors=(403, 404),
    tags=["hubs"],
)
async def list_checkins(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, CheckinsQuery)
    return json_list(await _hubs(request).reads.list_checkins(principal, request.match_info["hub_id"], query))


@routes.get("/api/hubs/{hub_id}/stats")
@api(
    summary="Visits per day (the hub's days) and purpose; default the last 30 days (staff)",
    query=DateRangeQuery,
    response=StatsOut,
    errors=(403, 404),
    tags=["hubs"],
)
async def stats(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, DateRangeQuery)
    return json_response(await _hubs(request).stats.stats(principal, request.match_info["hub_id"], query))


@routes.get("/api/hubs/{hub_id}/checkins.csv")
@api(
    summary="Check-ins as CSV, UTF-8 with BOM for Excel (staff); default the last 30 days",
    query=DateRangeQuery,
    media_type="text/csv",
    errors=(403, 404),
    tags=["hubs"],
)
async def export_csv(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, DateRangeQuery)
    name, body = await _hubs(request).stats.csv(principal, request.match_info["hub_id"], query)
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


async def _json_object(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    require_json_type(request)
    data = loads(raw)
    if not isinstance(data, dict):
        raise MalformedRequest("the body must be a JSON object")
    return data
