"""The ``Idempotency-Key`` header of creating POSTs (API.md, Conventions).

Views hand the key to the service, which derives the new resource's id from it (``hub.ids``), so a
retry collides with the first attempt and answers it again.
"""

from __future__ import annotations

from aiohttp import web

from hub.errors import InvalidRequest
from hub.limits import MAX_IDEMPOTENCY_KEY_CHARS

HEADER = "Idempotency-Key"


def idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_CHARS or not key.isprintable():
        raise InvalidRequest(
            f"{HEADER} must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable characters",
            details={"fields": [{"path": f"header.{HEADER}", "message": "invalid", "type": "value_error"}]},
        )
    return key
