"""``GET /ws``: authentication, the message loop and its limits (API.md, Realtime; docs/realtime.md).

Bad input never closes the socket: it is answered with ``{"type": "error", "ref", "code", "message"}``.
Only a frame over 64 KiB (1009, by aiohttp's ``max_msg_size``), a socket that cannot keep up (1013),
a session that ended (1008) and a missing authentication after 10 s (1008) close it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

from aiohttp import WSMsgType, web
from pydantic import BaseModel, ValidationError

from hub import keys
from hub.errors import (
    DomainError,
    Forbidden,
    InvalidRequest,
    MalformedRequest,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from hub.http.auth import credentials, origin_allowed
from hub.http.bodies import loads
from hub.limits import WS_AUTH_TIMEOUT_S, WS_HEARTBEAT_S, WS_KERNEL_SEND_BUFFER_BYTES, WS_MAX_FRAME_BYTES
from hub.realtime.connection import CLOSE_POLICY, CLOSE_TOO_SLOW, Connection
from hub.realtime.registry import Realtime
from schemas.realtime import (
    Authenticated,
    AuthMessage,
    ErrorMessage,
    PingMessage,
    Pong,
    PresenceUpdateMessage,
    Ref,
    SubscribeMessage,
    Unsubscribed,
    UnsubscribeMessage,
)

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

_MESSAGES: dict[str, type[BaseModel]] = {
    "auth": AuthMessage,
    "subscribe": SubscribeMessage,
    "unsubscribe": UnsubscribeMessage,
    "ping": PingMessage,
    "presence.update": PresenceUpdateMessage,
}


@routes.get("/ws")
async def websocket(request: web.Request) -> web.StreamResponse:
    app = request.app
    if app[keys.SHUTTING_DOWN][0]:
        raise Unavailable("this instance is shutting down; connect again")
    token, from_cookie = credentials(request)
    if from_cookie and not origin_allowed(request, request.headers.get("Origin")):
        raise Forbidden("cross-site WebSocket refused: the Origin of this page is not allowed")
    realtime = app[keys.REALTIME]
    principal = None
    if token:
        principal = await realtime.authenticate(token)
        if principal is None:
            raise Unauthenticated("the session or token is not valid; sign in again")
    ws = web.WebSocketResponse(heartbeat=WS_HEARTBEAT_S, max_msg_size=WS_MAX_FRAME_BYTES, compress=False)
    if not ws.can_prepare(request).ok:
        raise MalformedRequest("this endpoint speaks WebSocket only")
    realtime = app[keys.REALTIME]
    # The user's open sockets on every instance: the 21st upgrade answers 429 (API.md).
    ticket = None if principal is None else await realtime.user_sockets.open(principal.id)
    try:
        await ws.prepare(request)
    except BaseException:
        if ticket is not None and principal is not None:
            await realtime.user_sockets.close(principal.id, ticket)
        raise
    transport = request.transport
    assert transport is not None
    raw_socket = transport.get_extra_info("socket")
    if raw_socket is not None:
        raw_socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, WS_KERNEL_SEND_BUFFER_BYTES)
    conn = realtime.connect(ws, transport=transport, principal=principal, token=token, ticket=ticket)
    try:
        if principal is not None or await _authenticate(realtime, conn):
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await _handle(realtime, conn, message.data)
                elif message.type == WSMsgType.BINARY:
                    conn.send(
                        ErrorMessage(ref=None, code="invalid_request", message="send text frames of JSON")
                    )
                else:
                    break
    finally:
        realtime.disconnect(conn)
    return ws


def _parse(text: str) -> tuple[BaseModel | None, Ref, DomainError | None]:
    """The message, its ref, or the error to answer (with the ref when it could be read)."""
    try:
        raw: Any = loads(text)
    except MalformedRequest as error:
        return None, None, error
    if not isinstance(raw, dict):
        return None, None, MalformedRequest("a message is one JSON object")
    ref = raw.get("ref")
    ref = ref if isinstance(ref, str | int) and not isinstance(ref, bool) else None
    kind = raw.get("type")
    model = _MESSAGES.get(kind) if isinstance(kind, str) else None
    if model is None:
        return None, ref, InvalidRequest(f"unknown message type: {str(kind)[:40]}")
    try:
        return model.model_validate(raw), ref, None
    except ValidationError as error:
        fields = {".".join(str(p) for p in item["loc"]) or "message": item["msg"] for item in error.errors()}
        return None, ref, InvalidRequest("invalid message", details={"fields": fields})


def _reply_error(conn: Connection, error: DomainError, *, ref: Ref, channel: str | None = None) -> None:
    conn.send(
        ErrorMessage(ref=ref, code=error.code, message=error.message, channel=channel, details=error.details)
    )


async def _authenticate(realtime: Realtime, conn: Connection) -> bool:
    """Wait for a first ``{"type": "auth", "token"}``; close with 1008 when none came in time."""
    loop_time = asyncio.get_running_loop().time
    deadline = loop_time() + WS_AUTH_TIMEOUT_S
    while True:
        try:
            message = await conn.ws.receive(timeout=max(0.0, deadline - loop_time()))
        except TimeoutError:
            await conn.ws.close(code=CLOSE_POLICY, message=b"authenticate within 10 seconds")
            return False
        if message.type != WSMsgType.TEXT:
            if message.type == WSMsgType.BINARY:
                continue
            return False
        parsed, ref, error = _parse(message.data)
        if error is None and not conn.allow_message():
            error = RateLimited("too many messages; slow down", retry_after_s=1)
        if error is None and isinstance(parsed, AuthMessage):
            principal = await realtime.authenticate(parsed.token)
            if principal is not None:
                try:
                    conn.ticket = await realtime.user_sockets.open(principal.id)
                except RateLimited as limited:
                    # Past the upgrade, the socket's answer to "too many" is an error and 1013.
                    _reply_error(conn, limited, ref=ref)
                    conn.close_now(CLOSE_TOO_SLOW, "too many open connections for this user")
                    return False
                conn.principal, conn.token = principal, parsed.token
                conn.send(Authenticated(ref=ref, user_id=principal.id))
                return True
            error = Unauthenticated("the token is not valid")
        elif error is None:
            error = Unauthenticated('authenticate first: {"type": "auth", "token": "..."}')
        _reply_error(conn, error, ref=ref)


async def _handle(realtime: Realtime, conn: Connection, text: str) -> None:
    parsed, ref, error = _parse(text)
    if error is None and not conn.allow_message():
        error = RateLimited("too many messages; slow down", retry_after_s=1)
    if error is not None or parsed is None:
        _reply_error(conn, error or InvalidRequest("invalid message"), ref=ref)
        return
    channel = getattr(parsed, "channel", None)
    try:
        if isinstance(parsed, SubscribeMessage):
            await realtime.subscribe(conn, parsed)
        elif isinstance(parsed, UnsubscribeMessage):
            realtime.channels.resolve(parsed.channel)
            realtime.unsubscribe(conn, parsed.channel)
            conn.send(Unsubscribed(ref=ref, channel=parsed.channel))
        elif isinstance(parsed, PingMessage):
            conn.send(Pong(ref=ref))
        elif isinstance(parsed, PresenceUpdateMessage):
            realtime.update_presence(conn, parsed)
        else:
            raise InvalidRequest("already authenticated")
    except DomainError as domain_error:
        _reply_error(conn, domain_error, ref=ref, channel=channel)
