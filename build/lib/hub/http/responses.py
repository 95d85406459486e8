"""JSON responses from schemas, serialised once by pydantic."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web
from pydantic import BaseModel, TypeAdapter


def json_response(model: BaseModel, *, status: int = 200) -> web.Response:
    return web.Response(text=model.model_dump_json(), status=status, content_type="application/json")


def json_list(models: Sequence[BaseModel], *, status: int = 200) -> web.Response:
    adapter: TypeAdapter[Sequence[BaseModel]] = TypeAdapter(Sequence[BaseModel])
    body = adapter.dump_json(models, serialize_as_any=True).decode()
    return web.Response(text=body, status=status, content_type="application/json")
