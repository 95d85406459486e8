"""HTTP views of finding cards and moving boards in and out (API.md, "Finding and reminding"):
search, export, Trello import. Parse, ask the service, answer."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.errors import PayloadTooLarge
from hub.http.auth import require_principal
from hub.http.bodies import loads, query_model, require_json_type
from hub.http.idempotency import idempotency_key
from hub.http.openapi import api
from hub.http.responses import json_response
from hub.limits import MAX_IMPORT_BYTES
from schemas.finding import ExportQuery, ImportResult, SearchPage, SearchQuery

routes = web.RouteTableDef()
_READ_CHUNK = 256 * 1024


@routes.get("/api/search")
@api(
    summary="Cards of every board the caller may read whose title, description, checklist or comments "
    "hold q (any part, any case, full- and half-width alike), newest change first",
    query=SearchQuery,
    response=SearchPage,
    errors=(404,),
    tags=["search"],
)
async def search(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, SearchQuery)
    return json_response(await request.app[keys.SERVICES].boards.search.search(principal, query))


@routes.get("/api/boards/{board_id}/export")
@api(
    summary="The whole board as JSON (archived cards, checklists, comments too) or CSV (a row per card, "
    "UTF-8 with a BOM, formulas neutralised)",
    query=ExportQuery,
    errors=(404,),
    media_type="application/json",
    tags=["boards"],
)
async def export_board(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, ExportQuery)
    exporter = request.app[keys.SERVICES].boards.export
    board_id = request.match_info["board_id"]
    export = await exporter.read(principal, board_id)
    name = f"board-{board_id}.{query.format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if query.format == "csv":
        return web.Response(
            body=exporter.to_csv(export), content_type="text/csv", charset="utf-8", headers=headers
        )
    return web.Response(body=exporter.to_json(export), content_type="application/json", headers=headers)


@routes.post("/api/projects/{project_id}/import/trello")
@api(
    summary="Import a Trello board (the file of Trello's Export as JSON, up to 20 MiB) into the project's "
    "board: open lists become columns, cards keep order, labels, due, checklists and comments",
    response=ImportResult,
    status=201,
    idempotent=True,
    errors=(403, 404, 409, 413),
    tags=["boards"],
)
async def import_trello(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    key = idempotency_key(request)
    require_json_type(request)
    export = loads(await _read_at_most(request, MAX_IMPORT_BYTES))
    importer = request.app[keys.SERVICES].boards.trello_import
    result, _ = await importer.import_board(
        principal, request.match_info["project_id"], export, idempotency_key=key
    )
    return json_response(result, status=201)


async def _read_at_most(request: web.Request, most: int) -> bytes:
    """The body, read past the app's 1 MiB limit for this one route, up to ``most`` bytes."""
    if request.content_length is not None and request.content_length > most:
        raise PayloadTooLarge(f"the file is larger than {most // (1024 * 1024)} MiB")
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(_READ_CHUNK):
        size += len(chunk)
        if size > most:
            raise PayloadTooLarge(f"the file is larger than {most // (1024 * 1024)} MiB")
        chunks.append(chunk)
    return b"".join(chunks)
