"""``GET /api/openapi.json``: the OpenAPI 3.1 document, built from the router and the schemas in use.

Each view declares its wire shapes once, next to its route (docs/openapi.md)::

    @routes.post("/api/auth/login")
    @api(summary="Sign in", body=LoginBody, response=LoginOut, auth=False, errors=(401, 429))
    async def login(request: web.Request) -> web.Response: ...

The document lists every ``/api`` route of the app; a route without ``@api`` still appears (marked
``x-undocumented``) and a test fails until it is declared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_args, get_origin

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from hub import keys
from schemas.common import ErrorBody

H = TypeVar("H", bound=Callable[..., Any])
_ATTRIBUTE = "__dejima_api__"
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
_ERROR_TEXT = {
    400: "Malformed JSON",
    401: "Not signed in",
    403: "Not allowed",
    404: "No such resource",
    409: "Conflict with the current state",
    413: "Body larger than 1 MiB",
    422: "A field failed validation (paths in details.fields)",
    429: "Too many requests (see Retry-After)",
    503: "A dependency is unavailable",
}


@dataclass(frozen=True)
class ApiDoc:
    summary: str
    body: type[BaseModel] | None = None
    response: Any = None  # a model, list[Model], or None (no JSON body)
    status: int = 200
    query: type[BaseModel] | None = None
    auth: bool = True
    errors: tuple[int, ...] = ()
    idempotent: bool = False
    media_type: str = "application/json"
    description: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    body_media_type: str = "application/json"


def api(
    *,
    summary: str,
    body: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    query: type[BaseModel] | None = None,
    auth: bool = True,
    errors: Sequence[int] = (),
    idempotent: bool = False,
    media_type: str = "application/json",
    description: str = "",
    tags: Sequence[str] = (),
    body_media_type: str = "application/json",
) -> Callable[[H], H]:
    """Declare a view's request and response shapes for the OpenAPI document (changes nothing else).

    ``idempotent``: the creation honours an ``Idempotency-Key`` header. ``errors``: statuses beyond
    the ones implied (400/422 with a body or query, 401 with ``auth``). ``media_type``: of the
    response, e.g. ``"text/csv"`` with ``response=None``. ``body_media_type``: of the request body,
    e.g. ``"multipart/form-data"`` (the view then reads it itself; ``body`` only describes it).
    """
    doc = ApiDoc(
        summary=summary,
        body=body,
        response=response,
        status=status,
        query=query,
        auth=auth,
        errors=tuple(errors),
        idempotent=idempotent,
        media_type=media_type,
        description=description,
        tags=tuple(tags),
        body_media_type=body_media_type,
    )

    def decorate(handler: H) -> H:
        setattr(handler, _ATTRIBUTE, doc)
        return handler

    return decorate


def doc_of(handler: Any) -> ApiDoc | None:
    found = getattr(handler, _ATTRIBUTE, None)
    return found if isinstance(found, ApiDoc) else None


def api_routes(app: web.Application) -> list[tuple[str, str, Any]]:
    """``(METHOD, path, handler)`` of every ``/api`` route (HEAD twins of GET left out)."""
    found = []
    for route in app.router.routes():
        resource = route.resource
        if resource is None or route.method in ("HEAD", "OPTIONS", "*"):
            continue
        path = resource.canonical
        if path.startswith("/api/"):
            found.append((route.method, _PARAM.sub(r"{\1}", path), route.handler))
    return sorted(found, key=lambda item: (item[1], item[0]))


def undocumented(app: web.Application) -> list[str]:
    return [f"{method} {path}" for method, path, handler in api_routes(app) if doc_of(handler) is None]


def _model_of(shape: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model inside ``shape`` and whether it is a list of it."""
    if isinstance(shape, type) and issubclass(shape, BaseModel):
        return shape, False
    if get_origin(shape) in (list, Sequence) and get_args(shape):
        inner = get_args(shape)[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner, True
    return None, False


def build_document(app: web.Application) -> dict[str, Any]:
    routes = [(method, path, doc_of(handler)) for method, path, handler in api_routes(app)]
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for _, _, doc in routes:
        if doc is None:
            continue
        if doc.body is not None:
            wanted.append((doc.body, "validation"))
        model, _ = _model_of(doc.response)
        if model is not None:
            wanted.append((model, "serialization"))
    unique = list(dict.fromkeys(wanted))
    refs, definitions = models_json_schema(unique, ref_template="#/components/schemas/{model}")

    def ref(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return dict(refs[(model, mode)])

    paths: dict[str, dict[str, Any]] = {}
    for method, path, doc in routes:
        paths.setdefault(path, {})[method.lower()] = _operation(method, path, doc, ref)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Dejima API",
            "version": "1",
            "description": "The public contract of the Dejima service (shared/spec/API.md).",
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "dejima_session"},
            },
        },
    }


def _operation(
    method: str,
    path: str,
    doc: ApiDoc | None,
    ref: Callable[[type[BaseModel], JsonSchemaMode], dict[str, Any]],
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(path)
    ]
    operation_id = (
        (method.lower() + path.replace("/api/", "/")).replace("/", "_").replace("{", "").replace("}", "")
    )
    if doc is None:
        return {
            "operationId": operation_id,
            "summary": "(not yet described)",
            "x-undocumented": True,
            "parameters": parameters,
            "responses": {"default": {"description": "See shared/spec/API.md"}},
        }
    operation: dict[str, Any] = {"operationId": operation_id, "summary": doc.summary}
    if doc.description:
        operation["description"] = doc.description
    if doc.tags:
        operation["tags"] = list(doc.tags)
    if doc.query is not None:
        for name, info in doc.query.model_fields.items():
            wire_name = info.alias or name  # e.g. ``from_`` is ``?from=`` on the wire
            schema = doc.query.model_json_schema()["properties"].get(wire_name, {})
            parameters.append(
                {"name": wire_name, "in": "query", "required": info.is_required(), "schema": schema}
            )
    if doc.idempotent:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Same key, same caller, within 24 h: the first answer again.",
                "schema": {"type": "string", "maxLength": 255},
            }
        )
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {doc.body_media_type: {"schema": ref(doc.body, "validation")}},
        }
    responses: dict[str, Any] = {}
    model, many = _model_of(doc.response)
    success: dict[str, Any] = {"description": doc.summary}
    if model is not None:
        schema = ref(model, "serialization")
        success["content"] = {
            doc.media_type: {"schema": {"type": "array", "items": schema} if many else schema}
        }
    elif doc.media_type != "application/json":
        success["content"] = {doc.media_type: {"schema": {"type": "string"}}}
    responses[str(doc.status)] = success
    statuses = set(doc.errors)
    if doc.body is not None:
        statuses |= {400, 413, 422}
    if doc.query is not None:
        statuses.add(422)
    if doc.auth:
        statuses.add(401)
    for status in sorted(statuses):
        responses[str(status)] = {
            "description": _ERROR_TEXT.get(status, "Error"),
            "content": {"application/json": {"schema": ref(ErrorBody, "serialization")}},
        }
    operation["responses"] = responses
    operation["security"] = [{"bearer": []}, {"session": []}] if doc.auth else []
    return operation


class OpenApiDocument:
    """Built once the router is final (at start), served as it is afterwards."""

    def __init__(self) -> None:
        self.document: dict[str, Any] | None = None


async def build_at_start(app: web.Application) -> None:
    app[keys.OPENAPI].document = build_document(app)


@api(summary="This OpenAPI 3.1 document", auth=False, tags=["system"])
async def openapi_view(request: web.Request) -> web.Response:
    holder = request.app[keys.OPENAPI]
    if holder.document is None:
        holder.document = build_document(request.app)
    return web.json_response(holder.document)


def setup_openapi(app: web.Application) -> None:
    app[keys.OPENAPI] = OpenApiDocument()
    app.router.add_get("/api/openapi.json", openapi_view)
    app.on_startup.append(build_at_start)
