"""HTTP views of sign-in and the caller's own account."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.errors import Unauthenticated
from hub.http.auth import COOKIE_NAME, optional_principal, require_own_origin, require_principal
from hub.http.bodies import parse_body
from hub.http.client import client_address
from hub.http.openapi import api
from hub.http.responses import json_response
from hub.identity.users import normalise_email, to_user_out
from hub.principal import Principal
from schemas.common import Status
from schemas.events import Actor
from schemas.identity import LoginBody, LoginOut, PasswordResetBody, SetPasswordBody, SetPasswordOut, UserOut

routes = web.RouteTableDef()


@routes.post("/api/auth/login")
@api(
    summary="Sign in with e-mail and password",
    description="Answers a bearer token and sets an HttpOnly session cookie (SameSite=Lax).",
    body=LoginBody,
    response=LoginOut,
    auth=False,
    errors=(400, 401, 403, 429),
    tags=["identity"],
)
async def login(request: web.Request) -> web.Response:
    require_own_origin(request)
    body = await parse_body(request, LoginBody)
    services = request.app[keys.SERVICES]
    address = client_address(request)
    await services.identity.throttle.check(email=body.email, address=address)
    user = await services.identity.users.by_email(body.email)
    # Verify even when the user is unknown, so both failures take the same time.
    stored_hash = None if user is None else user.get("password_hash")
    ok = await services.identity.users.passwords.verify(stored_hash, body.password)
    if user is None or not ok or user.get("disabled"):
        await services.identity.throttle.failed(email=body.email, address=address)
        await services.identity.audit.record(
            "auth.login_failed",
            actor=None,
            address=address,
            subject_id=None if user is None else user["_id"],
            data={"email": normalise_email(body.email)},
        )
        raise Unauthenticated("wrong e-mail address or password")
    await services.identity.throttle.succeeded(email=body.email)
    token = await services.identity.sessions.open(user["_id"])
    await services.identity.audit.record(
        "auth.login", actor=Actor(id=user["_id"], name=user["name"]), address=address, subject_id=user["_id"]
    )
    response = json_response(LoginOut(user=to_user_out(user), token=token))
    settings = request.app[keys.SETTINGS]
    response.set_cookie(
        COOKIE_NAME,
        token,
        httponly=True,
        samesite="Lax",
        secure=settings.secure_cookies,
        max_age=settings.session_ttl_s,
        path="/",
    )
    return response


@routes.post("/api/auth/logout")
@api(summary="Revoke this session or token, on every instance", status=204, errors=(403,), tags=["identity"])
async def logout(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await request.app[keys.SERVICES].identity.sessions.revoke(principal.session_id)
    response = web.Response(status=204)
    response.del_cookie(COOKIE_NAME, path="/")
    return response


@routes.get("/api/me")
@api(summary="The caller's own account", response=UserOut, tags=["identity"])
async def me(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return web.Response(body=await me_json(request, principal), content_type="application/json")


async def me_json(request: web.Request, principal: Principal) -> bytes:
    """``GET /api/me``'s answer; also written into the pages that read it first (hub/web/shell.py)."""
    user = await request.app[keys.SERVICES].identity.users.get(principal.id)
    if user is None:
        raise Unauthenticated("sign in first")
    return to_user_out(user).model_dump_json().encode()


@routes.post("/api/auth/password-reset")
@api(
    summary="Ask for a password-reset link by e-mail",
    description=(
        "Always 202 with the same body and after the same time, whether or not the address belongs "
        "to an account; the e-mail (a link valid 1 hour) goes only to an existing one. Limited per "
        "address typed and per client address (429)."
    ),
    body=PasswordResetBody,
    response=Status,
    status=202,
    auth=False,
    errors=(403, 429),
    tags=["identity"],
)
async def password_reset(request: web.Request) -> web.Response:
    require_own_origin(request)  # a foreign page must not make visitors' browsers send these mails
    body = await parse_body(request, PasswordResetBody)
    await request.app[keys.SERVICES].identity.recovery.request_reset(
        body.email, address=client_address(request)
    )
    return json_response(Status(status="accepted"), status=202)


@routes.post("/api/auth/set-password")
@api(
    summary="Choose a password with the token of an invitation or reset link",
    description=(
        "The token works once. A used, expired or unknown token answers 400; a password shorter than "
        "10 characters 422. Every other session of the person ends."
    ),
    body=SetPasswordBody,
    response=SetPasswordOut,
    auth=False,
    errors=(400, 403),
    tags=["identity"],
)
async def set_password(request: web.Request) -> web.Response:
    require_own_origin(request)  # like signing in: only from our own pages (or a non-browser client)
    body = await parse_body(request, SetPasswordBody)
    caller = await optional_principal(request)
    user = await request.app[keys.SERVICES].identity.recovery.set_password(
        body.token,
        body.password,
        keep_session=None if caller is None else caller.session_id,
        address=client_address(request),
    )
    return json_response(SetPasswordOut(user=to_user_out(user)))
