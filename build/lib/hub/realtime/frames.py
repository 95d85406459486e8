"""WebSocket frames built once and written as they are to every socket that should receive them.

A server's frames are not masked (RFC 6455, 5.1), so a text frame is the same bytes for every
receiver: an event is serialised and framed once per instance, and fan-out is one ``write`` of those
bytes per socket. Compression is off on ``/ws`` for this reason (and because events are small).
"""

from __future__ import annotations

import struct

from pydantic import BaseModel

_FIN_TEXT = 0x81
_FIN_CLOSE = 0x88


def _header(first: int, length: int) -> bytes:
    if length < 126:
        return bytes((first, length))
    if length < 1 << 16:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


def text_frame(payload: bytes) -> bytes:
    """A complete, final text frame carrying ``payload`` (UTF-8 JSON)."""
    return _header(_FIN_TEXT, len(payload)) + payload


def message_frame(message: BaseModel) -> bytes:
    return text_frame(message.model_dump_json(by_alias=True).encode())


def close_frame(code: int, reason: str) -> bytes:
    body = struct.pack("!H", code) + reason.encode()[:120]
    return _header(_FIN_CLOSE, len(body)) + body
