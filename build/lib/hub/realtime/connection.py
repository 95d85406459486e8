"""One open ``/ws`` socket: who it is, what it follows, its send queue and its message budget."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from aiohttp import web
from pydantic import BaseModel

from hub.limits import WS_CLOSE_GRACE_S, WS_RATE_BURST, WS_RATE_PER_S, WS_SEND_QUEUE_BYTES
from hub.principal import Principal
from hub.realtime.frames import close_frame, message_frame

if TYPE_CHECKING:
    from hub.realtime.feeds import Subscription

log = logging.getLogger(__name__)

# RFC 6455 close codes the contract names.
CLOSE_TOO_SLOW = 1013  # "try again later": recover with ``since``
CLOSE_POLICY = 1008


class Connection:
    """Kept small on purpose: an idle socket must cost the server well under 30 KB (issue 4)."""

    __slots__ = (
        "_stamp",
        "_tokens",
        "closed",
        "id",
        "principal",
        "subs",
        "ticket",
        "token",
        "transport",
        "ws",
    )

    def __init__(
        self,
        *,
        conn_id: str,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport,
        principal: Principal | None,
        token: str | None,
    ) -> None:
        self.id = conn_id
        self.ws = ws
        self.transport = transport
        self.principal = principal
        # Kept to authenticate again when ``dejima:rights`` names the user (logout, disabled account).
        self.token = token
        # Its place in the user's count of open sockets (hub/realtime/user_sockets.py), if counted.
        self.ticket: str | None = None
        self.subs: dict[str, Subscription] = {}
        self.closed = False
        self._tokens = WS_RATE_BURST
        self._stamp = time.monotonic()

    def write(self, frame: bytes) -> None:
        """Queue a frame without waiting. A socket whose queue is full is closed (1013) instead."""
        if self.closed:
            return
        transport = self.transport
        if transport.is_closing():
            self.closed = True
            return
        if transport.get_write_buffer_size() + len(frame) > WS_SEND_QUEUE_BYTES:
            self.close_now(CLOSE_TOO_SLOW, "too slow: reconnect and subscribe with since")
            return
        transport.write(frame)

    def send(self, message: BaseModel) -> None:
        self.write(message_frame(message))

    def allow_message(self) -> bool:
        """Token bucket: WS_RATE_PER_S messages a second, bursts of WS_RATE_BURST."""
        now = time.monotonic()
        self._tokens = min(WS_RATE_BURST, self._tokens + (now - self._stamp) * WS_RATE_PER_S)
        self._stamp = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def close_now(self, code: int, reason: str) -> None:
        """Close from anywhere without waiting: the close frame goes after what is queued.

        The handler's receive loop then ends (the transport closes) and cleans up. A peer that does
        not read its close frame within WS_CLOSE_GRACE_S is cut off.
        """
        if self.closed:
            return
        self.closed = True
        transport = self.transport
        if transport.is_closing():
            return
        log.info("closing socket %s with %d: %s", self.id, code, reason)
        transport.write(close_frame(code, reason))
        transport.close()
        asyncio.get_running_loop().call_later(WS_CLOSE_GRACE_S, transport.abort)
