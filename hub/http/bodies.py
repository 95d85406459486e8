"""Request bodies: JSON into a schema, or the contract's 400 / 422 error."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from hub.errors import InvalidRequest, MalformedRequest

M = TypeVar("M", bound=BaseModel)


async def parse_body(request: web.Request, model: type[M]) -> M:
    raw = await request.read()  # bounded by client_max_size: larger bodies raise 413 here
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise MalformedRequest(f"the body is not valid JSON: {error}") from error
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
