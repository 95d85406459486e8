"""HTTP views of live boards (API.md, Live boards). Parse, ask the service, answer; nothing else."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.boards.cards import CardService
from hub.boards.comments import CardNotes
from hub.boards.service import BoardService
from hub.http.auth import require_principal
from hub.http.bodies import parse_body
from hub.http.idempotency import idempotency_key
from hub.http.responses import json_list, json_response
from schemas.boards import (
    CardCreate,
    CardMove,
    CardPatch,
    CardVersion,
    ColumnCreate,
    ColumnMove,
    ColumnPatch,
    CommentCreate,
)

routes = web.RouteTableDef()


def _boards(request: web.Request) -> BoardService:
    return request.app[keys.SERVICES].boards


def _cards(request: web.Request) -> CardService:
    return request.app[keys.SERVICES].cards


def _notes(request: web.Request) -> CardNotes:
    return request.app[keys.SERVICES].card_notes


@routes.get("/api/boards/{board_id}")
async def get_board(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await _boards(request).snapshot(principal, request.match_info["board_id"]))


@routes.get("/api/boards/{board_id}/archived")
async def archived_cards(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_list(await _boards(request).archived_cards(principal, request.match_info["board_id"]))


@routes.post("/api/boards/{board_id}/columns")
async def create_column(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, ColumnCreate)
    column = await _boards(request).create_column(
        principal, request.match_info["board_id"], body, idempotency_key=idempotency_key(request)
    )
    return json_response(column, status=201)


@routes.patch("/api/columns/{column_id}")
async def patch_column(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, ColumnPatch)
    return json_response(
        await _boards(request).patch_column(principal, request.match_info["column_id"], body)
    )


@routes.post("/api/columns/{column_id}/move")
async def move_column(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, ColumnMove)
    return json_response(await _boards(request).move_column(principal, request.match_info["column_id"], body))


@routes.delete("/api/columns/{column_id}")
async def delete_column(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await _boards(request).delete_column(principal, request.match_info["column_id"])
    return web.Response(status=204)


@routes.post("/api/boards/{board_id}/cards")
async def create_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CardCreate)
    card = await _cards(request).create_card(
        principal, request.match_info["board_id"], body, idempotency_key=idempotency_key(request)
    )
    return json_response(card, status=201)


@routes.get("/api/cards/{card_id}")
async def get_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await _boards(request).card(principal, request.match_info["card_id"]))


@routes.patch("/api/cards/{card_id}")
async def patch_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CardPatch)
    return json_response(await _cards(request).patch_card(principal, request.match_info["card_id"], body))


@routes.post("/api/cards/{card_id}/move")
async def move_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CardMove)
    return json_response(await _cards(request).move_card(principal, request.match_info["card_id"], body))


@routes.post("/api/cards/{card_id}/archive")
async def archive_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CardVersion)
    return json_response(await _cards(request).archive_card(principal, request.match_info["card_id"], body))


@routes.post("/api/cards/{card_id}/restore")
async def restore_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CardVersion)
    return json_response(await _cards(request).restore_card(principal, request.match_info["card_id"], body))


@routes.post("/api/cards/{card_id}/comments")
async def create_comment(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, CommentCreate)
    comment = await _notes(request).comment(
        principal, request.match_info["card_id"], body, idempotency_key=idempotency_key(request)
    )
    return json_response(comment, status=201)


@routes.get("/api/cards/{card_id}/comments")
async def list_comments(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_list(await _notes(request).comments(principal, request.match_info["card_id"]))


@routes.get("/api/cards/{card_id}/history")
async def card_history(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_list(await _notes(request).history(principal, request.match_info["card_id"]))
