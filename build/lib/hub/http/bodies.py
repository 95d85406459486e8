"""Request bodies: JSON into a schema, or the contract's 400 / 422 error.

JSON is parsed by ``loads``, which refuses text nested deeper than ``MAX_JSON_DEPTH`` before the
(recursive) parser sees it: every REST body and every ``/ws`` message goes through it.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from hub.errors import InvalidRequest, MalformedRequest
from hub.limits import MAX_JSON_DEPTH

M = TypeVar("M", bound=BaseModel)

# A string (its escapes skipped, running to the end when unterminated, so that the scan stays linear
# whatever the text) or one bracket. Possessive: no backtracking.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.?)*+(?:"|\Z)|[\[\]{}]', re.DOTALL)
_OPEN = frozenset("[{")


def too_deep(text: str, *, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than ``limit``; linear, without recursion."""
    if text.count("[") + text.count("{") <= limit:
        return False  # the common case: too few brackets to nest that deep at all
    depth = 0
    for match in _TOKENS.finditer(text):
        char = match.group()[0]
        if char in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif char != '"':
            depth -= 1
    return False


def loads(raw: str | bytes) -> Any:
    """Parse JSON from a client, or raise ``MalformedRequest`` (400)."""
    try:
        # As json.loads does: UTF-8, or UTF-16/32 recognised by their first bytes.
        text = raw if isinstance(raw, str) else raw.decode(json.detect_encoding(raw), "surrogatepass")
        if too_deep(text):
            raise MalformedRequest(f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels")
        return json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedRequest(f"the body is not valid JSON: {error}") from error
    except RecursionError as error:  # not reachable past too_deep; kept so that it can never be a 500
        raise MalformedRequest(f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels") from error


def require_json_type(request: web.Request) -> None:
    """A body must say it is JSON: a form or ``text/plain`` post is what a foreign page can send
    without asking (no CORS preflight), so accepting it would let any site sign someone in or act."""
    if request.content_type != "application/json":
        raise MalformedRequest("send the body as JSON with Content-Type: application/json")


async def parse_body(request: web.Request, model: type[M]) -> M:
    raw = await request.read()  # bounded by client_max_size: larger bodies raise 413 here
    if not raw.strip():
        data: Any = {}
    else:
        require_json_type(request)
        data = loads(raw)
    return validate(model, data)


def validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidRequest("some fields are not valid", details={"fields": field_errors(error)}) from error


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "path": ".".join(str(part) for part in item["loc"]) or "(body)",
            "message": item["msg"],
            "type": item["type"],
        }
        for item in error.errors(include_url=False, include_input=False)
    ]


def query_model(request: web.Request, model: type[M]) -> M:
    return validate(model, dict(request.query))
