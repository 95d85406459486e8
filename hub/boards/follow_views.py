"""HTTP views of following cards and boards (API.md, Finding and reminding)."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.boards.follows import Follows
from hub.http.auth import require_principal
from hub.http.openapi import api
from hub.http.responses import json_response
from schemas.boards import BoardFollowOut

routes = web.RouteTableDef()
_TAGS = ["boards"]


def _follows(request: web.Request) -> Follows:
    return request.app[keys.SERVICES].boards.follows


@routes.put("/api/cards/{card_id}/follow")
@api(
    summary="Follow a card: be told of its comments, moves, due changes and archiving",
    status=204,
    errors=(404,),
    tags=_TAGS,
)
async def follow_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await _follows(request).follow_card(principal, request.match_info["card_id"], on=True)
    return web.Response(status=204)


@routes.delete("/api/cards/{card_id}/follow")
@api(summary="Stop following a card", status=204, errors=(404,), tags=_TAGS)
async def unfollow_card(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await _follows(request).follow_card(principal, request.match_info["card_id"], on=False)
    return web.Response(status=204)


@routes.get("/api/boards/{board_id}/follow")
@api(
    summary="Whether the caller follows every card of a board",
    response=BoardFollowOut,
    errors=(404,),
    tags=_TAGS,
)
async def board_following(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    following = await _follows(request).follows_board(principal, request.match_info["board_id"])
    return json_response(BoardFollowOut(following=following))


@routes.put("/api/boards/{board_id}/follow")
@api(summary="Follow every card of a board", status=204, errors=(404,), tags=_TAGS)
async def follow_board(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await _follows(request).follow_board(principal, request.match_info["board_id"], on=True)
    return web.Response(status=204)


@routes.delete("/api/boards/{board_id}/follow")
@api(summary="Stop following a board", status=204, errors=(404,), tags=_TAGS)
async def unfollow_board(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await _follows(request).follow_board(principal, request.match_info["board_id"], on=False)
    return web.Response(status=204)
