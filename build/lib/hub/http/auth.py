"""Who is calling: the session cookie or a bearer token, and the cross-site check for cookies.

Cookies are sent by the browser on its own, so a state-changing request that authenticates with the
cookie must come from one of our origins (SameSite=Lax alone lets top-level POST forms through in some
browsers). Bearer tokens are never sent by a browser unasked and need no such check.
"""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.errors import Forbidden, Unauthenticated
from hub.http.client import request_origin
from hub.principal import Principal

COOKIE_NAME = "dejima_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def credentials(request: web.Request) -> tuple[str | None, bool]:
    """The token of the request and whether it came from the cookie."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip(), False
    cookie = request.cookies.get(COOKIE_NAME)
    return (cookie, True) if cookie else (None, False)


def origin_allowed(request: web.Request, origin: str | None) -> bool:
    if not origin or origin == "null":
        return False
    origin = origin.rstrip("/")
    return origin in request.app[keys.SETTINGS].allowed_origins or origin == request_origin(request)


def require_own_origin(request: web.Request) -> None:
    """A request a browser sent from a page: refused unless the page is one of ours. Signing in is
    guarded this way although it carries no cookie: a foreign page could otherwise sign a visitor
    in to an account of the attacker's (login CSRF). Clients that are not browsers send no Origin."""
    origin = request.headers.get("Origin")
    if origin is not None and not origin_allowed(request, origin):
        raise Forbidden("cross-site sign-in refused: the Origin of this request is not allowed")


async def optional_principal(request: web.Request) -> Principal | None:
    if keys.PRINCIPAL in request:
        return request[keys.PRINCIPAL]
    token, from_cookie = credentials(request)
    principal = None
    if token:
        principal = await request.app[keys.SERVICES].identity.sessions.authenticate(token)
    cross_site = not origin_allowed(request, request.headers.get("Origin"))
    if principal is not None and from_cookie and request.method not in _SAFE_METHODS and cross_site:
        raise Forbidden("cross-site request refused: the Origin of this request is not allowed")
    request[keys.PRINCIPAL] = principal
    return principal


async def require_principal(request: web.Request) -> Principal:
    principal = await optional_principal(request)
    if principal is None:
        raise Unauthenticated("sign in first")
    return principal
