"""HTTP views of accounts, organisations and the audit log (API.md, People, organisations, roles)."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.errors import Forbidden
from hub.http.auth import require_principal
from hub.http.bodies import parse_body, query_model
from hub.http.client import client_address
from hub.http.idempotency import idempotency_key
from hub.http.openapi import api
from hub.http.responses import json_list, json_response
from hub.web.shell import add_page
from schemas.common import Status
from schemas.identity import (
    AuditPage,
    AuditQuery,
    OrgCreate,
    OrgOut,
    UserAdminOut,
    UserCreate,
    UserOut,
    UserPatch,
    UsersQuery,
)

routes = web.RouteTableDef()


def add_pages(app: web.Application) -> None:
    # In an admin's menu only: only admins use them.
    admins = frozenset({"admin"})
    add_page(
        app,
        path="/admin/users",
        name="admin_users",
        title_key="identity.users_title",
        nav=True,
        nav_roles=admins,
    )
    add_page(
        app,
        path="/admin/orgs",
        name="admin_orgs",
        title_key="identity.orgs_title",
        nav=True,
        nav_roles=admins,
    )


@routes.post("/api/users")
@api(
    summary="Create an account (admin)",
    description="Kiosk accounts need hub_id; partners need org_id. E-mail addresses are unique, any case.",
    body=UserCreate,
    response=UserAdminOut,
    status=201,
    errors=(403, 409),
    idempotent=True,
    tags=["identity"],
)
async def create_user(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    if not services.rights.may_administer_users(principal):
        raise Forbidden("only admins may create accounts")
    key = idempotency_key(request)
    body = await parse_body(request, UserCreate)
    user = await services.identity.accounts.create_user(
        principal, body, key=key, address=client_address(request)
    )
    return json_response(user, status=201)


@routes.get("/api/users")
@api(
    summary="List accounts (admin, member)",
    description="Admins also see line_user_id and created_at.",
    response=list[UserOut],
    query=UsersQuery,
    errors=(403,),
    tags=["identity"],
)
async def list_users(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, UsersQuery)
    return json_list(await request.app[keys.SERVICES].identity.accounts.list_users(principal, query))


@routes.patch("/api/users/{user_id}")
@api(
    summary="Change an account (admin)",
    description="A role change, a new password or switching the account off ends its sessions.",
    body=UserPatch,
    response=UserAdminOut,
    errors=(403, 404, 409),
    tags=["identity"],
)
async def update_user(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    if not services.rights.may_administer_users(principal):
        raise Forbidden("only admins may change accounts")
    patch = await parse_body(request, UserPatch)
    user = await services.identity.accounts.update_user(
        principal, request.match_info["user_id"], patch, address=client_address(request)
    )
    return json_response(user)


@routes.post("/api/users/{user_id}/invite")
@api(
    summary="Send a new invitation e-mail (admin)",
    description="A link to /set-password valid 7 days, in the person's locale; earlier links stop working.",
    response=Status,
    status=202,
    errors=(403, 404, 409),
    tags=["identity"],
)
async def invite_user(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await request.app[keys.SERVICES].identity.recovery.invite(
        principal, request.match_info["user_id"], address=client_address(request)
    )
    return json_response(Status(status="accepted"), status=202)


@routes.post("/api/orgs")
@api(
    summary="Register an organisation (admin)",
    body=OrgCreate,
    response=OrgOut,
    status=201,
    errors=(403, 409),
    idempotent=True,
    tags=["identity"],
)
async def create_org(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    if not services.rights.may_administer_orgs(principal):
        raise Forbidden("only admins may register organisations")
    key = idempotency_key(request)
    body = await parse_body(request, OrgCreate)
    org = await services.identity.accounts.create_org(
        principal, body, key=key, address=client_address(request)
    )
    return json_response(org, status=201)


@routes.get("/api/orgs")
@api(summary="List organisations", response=list[OrgOut], tags=["identity"])
async def list_orgs(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_list(await request.app[keys.SERVICES].identity.accounts.list_orgs(principal))


@routes.get("/api/audit")
@api(
    summary="The audit log, newest first (admin)",
    description="Pass next_before as ?before= for the next, older page.",
    response=AuditPage,
    query=AuditQuery,
    errors=(403,),
    tags=["identity"],
)
async def audit(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    if not services.rights.may_read_audit(principal):
        raise Forbidden("only admins may read the audit log")
    query = query_model(request, AuditQuery)
    return json_response(await services.identity.audit.page(before=query.before, limit=query.limit))
