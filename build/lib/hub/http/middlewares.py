"""Request ids, and the one place where every error becomes the contract's error body."""

from __future__ import annotations

import logging
import secrets
from contextvars import ContextVar

from aiohttp import web
from aiohttp.typedefs import Handler

from hub import keys
from hub.errors import DomainError, RateLimited

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
# Read by the log formatter, so every line logged while serving a request names it.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "invalid_request",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}


def error_response(
    *,
    status: int,
    code: str,
    message: str,
    details: dict[str, object] | None = None,
    extra: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    error: dict[str, object] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return web.json_response({"error": error, **(extra or {})}, status=status, headers=headers)


def wants_html(request: web.Request) -> bool:
    """A browser navigating to a page (not a script calling the API): errors are pages for it."""
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(("/api/", "/ws", "/static/", "/i18n/"))
        and "text/html" in request.headers.get("Accept", "")
    )


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isascii() else secrets.token_hex(8)
    request[keys.REQUEST_ID] = request_id
    token = request_id_var.set(request_id)
    try:
        response = await handler(request)
    finally:
        request_id_var.reset(token)
    if not response.prepared:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as error:
        headers = {"Retry-After": str(error.retry_after_s)} if isinstance(error, RateLimited) else None
        return error_response(
            status=error.status,
            code=error.code,
            message=error.message,
            details=error.details,
            extra=error.extra,
            headers=headers,
        )
    except web.HTTPException as error:
        if error.status < 400:
            raise
        if error.status == 404 and wants_html(request):
            raise
        code = _HTTP_CODES.get(error.status, "invalid_request")
        message = {
            404: "no such resource",
            405: f"method {request.method} is not allowed here",
            413: "the request body is larger than 1 MiB",
        }.get(error.status, error.reason)
        return error_response(status=error.status, code=code, message=message, headers=None)
    except Exception:
        request_id = request.get(keys.REQUEST_ID, "-")
        log.exception("unexpected error serving %s %s", request.method, request.path)
        return error_response(
            status=500,
            code="internal",
            message=f"something went wrong on our side; quote request id {request_id}",
            details={"request_id": request_id},
        )
