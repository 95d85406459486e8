"""HTTP views of accounts, organisations and the audit log (API.md, People, organisations, roles)."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.errors import Forbidden
from hub.http.auth import require_principal
from hub.http.bodies import parse_body, query_model
from hub.http.client import client_address
from hub.http.idempotency import idempotency_key
from hub.http.responses import json_list, json_response
from schemas.identity import AuditQuery, OrgCreate, UserCreate, UserPatch, UsersQuery

routes = web.RouteTableDef()


@routes.post("/api/users")
async def create_user(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    if not services.rights.may_administer_users(principal):
        raise Forbidden("only admins may create accounts")
    key = idempotency_key(request)
    body = await parse_body(request, UserCreate)
    user = await services.accounts.create_user(principal, body, key=key, address=client_address(request))
    return json_response(user, status=201)


@routes.get("/api/users")
async def list_users(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, UsersQuery)
    return json_list(await request.app[keys.SERVICES].accounts.list_users(principal, query))


@routes.patch("/api/users/{user_id}")
async def update_user(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    if not services.rights.may_administer_users(principal):
        raise Forbidden("only admins may change accounts")
    patch = await parse_body(request, UserPatch)
    user = await services.accounts.update_user(
        principal, request.match_info["user_id"], patch, address=client_address(request)
    )
    return json_response(user)


@routes.post("/api/orgs")
async def create_org(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    if not services.rights.may_administer_orgs(principal):
        raise Forbidden("only admins may register organisations")
    key = idempotency_key(request)
    body = await parse_body(request, OrgCreate)
    org = await services.accounts.create_org(principal, body, key=key, address=client_address(request))
    return json_response(org, status=201)


@routes.get("/api/orgs")
async def list_orgs(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_list(await request.app[keys.SERVICES].accounts.list_orgs(principal))


@routes.get("/api/audit")
async def audit(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    if not services.rights.may_read_audit(principal):
        raise Forbidden("only admins may read the audit log")
    query = query_model(request, AuditQuery)
    return json_response(await services.audit.page(before=query.before, limit=query.limit))
