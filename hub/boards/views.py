"""HTTP views of live boards (API.md, Live boards). Parse, ask the service, answer; nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from hub import keys
from hub.boards.cards import CardService
from hub.boards.columns import ColumnService
from hub.boards.comments import CardNotes
from hub.boards.service import BoardService
from hub.http.auth import require_principal
from hub.http.bodies import parse_body
from hub.http.idempotency import idempotency_key
from hub.http.openapi import api
from hub.http.responses import json_list, json_response
from hub.identity.views import me_json
from hub.principal import Principal
from hub.web.shell import add_page
from schemas.boards import (
    BoardOut,
    CardCreate,
    CardMove,
    CardOut,
    CardPatch,
    CardVersion,
    ColumnCreate,
    ColumnMove,
    ColumnOut,
    ColumnPatch,
    CommentCreate,
    CommentOut,
    HistoryEntry,
)

routes = web.RouteTableDef()


def add_pages(app: web.Application) -> None:
    """The live board (docs/boards.md, "Live page")."""
    add_page(
        app,
        path="/boards/{board_id}",
        name="board",
        title_key="boards.title",
        reads=(("me", me_json), ("board", board_json)),
    )


def _boards(request: web.Request) -> BoardService:
    return request.app[keys.SERVICES].boards.service


def _columns(request: web.Request) -> ColumnService:
    return request.app[keys.SERVICES].boards.columns


def _cards(request: web.Request) -> CardService:
    return request.app[keys.SERVICES].boards.cards


def _notes(request: web.Request) -> CardNotes:
    return request.app[keys.SERVICES].boards.notes


@routes.get("/api/boards/{board_id}")
@api(
    summary="The board's snapshot at its seq: columns and cards in display order",
    response=BoardOut,
    errors=(404,),
    tags=["boards"],
)
async def get_board(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    # Written in chunks as it is serialised (hub/boards/snapshot.py): a full board is megabytes.
    return web.Response(body=await board_json(request, principal), content_type="application/json")


async def board_json(request: web.Request, principal: Principal) -> AsyncIterator[bytes]:
    """``GET /api/boards/{board_id}``'s answer; also written into the board page (hub/web/shell.py)."""
    snapshot = await _boards(request).snapshot(principal, request.match_info["board_id"])
    return snapshot.chunks()


@routes.get("/api/boards/{board_id}/archived")
@api(
    summary="The board's archived cards, newest first", response=list[CardOut], errors=(404,), tags=["boards"]
)
async def archived_cards(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_list(await _boards(request).archived_cards(principal, request.match_info["board_id"]))


@routes.post("/api/boards/{board_id}/columns")
@api(
    summary="Add a column (after a column; null: first; absent: last)",
    body=ColumnCreate,
    response=ColumnOut,
    status=201,
    errors=(403, 404, 409),
    idempotent=True,
    tags=["boards"],
)
async def create_column(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, ColumnCreate)
    column = await _columns(request).create_column(
        principal, request.match_info["board_id"], body, idempotency_key=idempotency_key(request)
    )
    return json_response(column, status=201)


@routes.patch("/api/columns/{column_id}")
@api(
    summary="Rename a column (stale version: 409 with current)",
    body=ColumnPatch,
    response=ColumnOut,
    errors=(403, 404, 409),
    tags=["boards"],
)
async def patch_column(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, ColumnPatch)
    return json_response(
        await _columns(request).patch_column(principal, request.match_info["column_id"], body)
    )


@routes.post("/api/columns/{column_id}/move")
@api(
    summary="Move a column after another (null: first)",
    body=ColumnMove,
    response=ColumnOut,
    errors=(403, 404, 409),
    tags=["boards"],
)
async def move_column(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, ColumnMove)
    return json_response(
        await _columns(request).move_column(principal, request.match_info["column_id"], body)
    )


@routes.delete("/api/columns/{column_id}")
@api(
    summary="Delete a column (409 while it holds cards that are not archived)",
    status=204,
    errors=(403, 404, 409),
    tags=["boards"],
)
async def delete_column(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await _columns(request).delete_column(principal, request.match_info["column_id"])
    return web.Response(status=204)


@routes.post("/api/boards/{board_id}/cards")
@api(
    summary="Add a card (after a card; null or absent: at the top)",
    body=CardCreate,
    response=CardOut,
    status=201,
    errors=(403, 404, 409),
    idempotent=True,
    tags=["boards"],
)
async def create_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CardCreate)
    card = await _cards(request).create_card(
        principal, request.match_info["board_id"], body, idempotency_key=idempotency_key(request)
    )
    return json_response(card, status=201)


@routes.get("/api/cards/{card_id}")
@api(summary="One card", response=CardOut, errors=(404,), tags=["boards"])
async def get_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await _boards(request).card(principal, request.match_info["card_id"]))


@routes.patch("/api/cards/{card_id}")
@api(
    summary="Edit a card (stale version: 409 with current)",
    body=CardPatch,
    response=CardOut,
    errors=(403, 404, 409),
    tags=["boards"],
)
async def patch_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CardPatch)
    return json_response(await _cards(request).patch_card(principal, request.match_info["card_id"], body))


@routes.post("/api/cards/{card_id}/move")
@api(
    summary="Move a card into a column after a card (null: top)",
    body=CardMove,
    response=CardOut,
    errors=(403, 404, 409),
    tags=["boards"],
)
async def move_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CardMove)
    return json_response(await _cards(request).move_card(principal, request.match_info["card_id"], body))


@routes.post("/api/cards/{card_id}/archive")
@api(summary="Archive a card", body=CardVersion, response=CardOut, errors=(403, 404, 409), tags=["boards"])
async def archive_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CardVersion)
    return json_response(await _cards(request).archive_card(principal, request.match_info["card_id"], body))


@routes.post("/api/cards/{card_id}/restore")
@api(
    summary="Restore an archived card",
    body=CardVersion,
    response=CardOut,
    errors=(403, 404, 409),
    tags=["boards"],
)
async def restore_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CardVersion)
    return json_response(await _cards(request).restore_card(principal, request.match_info["card_id"], body))


@routes.post("/api/cards/{card_id}/comments")
@api(
    summary="Comment on a card; @mentions notify people who can read the board",
    body=CommentCreate,
    response=CommentOut,
    status=201,
    errors=(403, 404),
    idempotent=True,
    tags=["boards"],
)
async def create_comment(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CommentCreate)
    comment = await _notes(request).comment(
        principal, request.match_info["card_id"], body, idempotency_key=idempotency_key(request)
    )
    return json_response(comment, status=201)


@routes.get("/api/cards/{card_id}/comments")
@api(summary="A card's comments, oldest first", response=list[CommentOut], errors=(404,), tags=["boards"])
async def list_comments(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_list(await _notes(request).comments(principal, request.match_info["card_id"]))


@routes.get("/api/cards/{card_id}/history")
@api(
    summary="Every change of a card: who, when, which fields from what to what",
    response=list[HistoryEntry],
    errors=(404,),
    tags=["boards"],
)
async def card_history(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_list(await _notes(request).history(principal, request.match_info["card_id"]))
