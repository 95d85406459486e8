"""HTTP views of the residents domain (API.md, "Reaching residents")."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.errors import Forbidden
from hub.http.auth import require_principal
from hub.http.bodies import parse_body
from hub.http.link_pages import link_page
from hub.http.openapi import api
from hub.http.responses import json_list, json_response
from hub.residents import readings
from hub.residents.subscribers import UNSUBSCRIBE_PATH
from schemas.residents import (
    ConfirmIn,
    ReadingIn,
    ReadingOut,
    ResidentStats,
    SubscriptionAccepted,
    SubscriptionIn,
    SubscriptionOut,
    TopicIn,
    TopicOut,
)

routes = web.RouteTableDef()
_TAGS = ["residents"]


@routes.post("/api/topics")
@api(
    summary="Define a topic residents may choose (admins)",
    body=TopicIn,
    response=TopicOut,
    status=201,
    errors=(403, 409),
    tags=_TAGS,
)
async def create_topic(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, TopicIn)
    return json_response(
        await request.app[keys.SERVICES].residents.topics.create(principal, body), status=201
    )


@routes.get("/api/public/topics")
@api(summary="The topics residents may choose (no sign-in)", response=list[TopicOut], auth=False, tags=_TAGS)
async def public_topics(request: web.Request) -> web.Response:
    return json_list(await request.app[keys.SERVICES].residents.topics.all())


@routes.post("/api/public/subscriptions")
@api(
    summary="Subscribe an e-mail address to topics: 202 and a confirmation e-mail (double opt-in)",
    description="Nothing but the confirmation is sent before POST /api/public/subscriptions/confirm. "
    "The answer is the same whether the address was known or not.",
    body=SubscriptionIn,
    response=SubscriptionAccepted,
    status=202,
    auth=False,
    tags=_TAGS,
)
async def subscribe(request: web.Request) -> web.Response:
    body = await parse_body(request, SubscriptionIn)
    await request.app[keys.SERVICES].residents.subscribers.subscribe(body)
    return json_response(SubscriptionAccepted(), status=202)


@routes.post("/api/public/subscriptions/confirm")
@api(
    summary="Confirm a subscription with the token of its e-mail",
    body=ConfirmIn,
    response=SubscriptionOut,
    auth=False,
    errors=(404,),
    tags=_TAGS,
)
async def confirm(request: web.Request) -> web.Response:
    body = await parse_body(request, ConfirmIn)
    return json_response(await request.app[keys.SERVICES].residents.subscribers.confirm(body.token))


@routes.post(UNSUBSCRIBE_PATH)
@api(
    summary="One-click unsubscribe of a newsletter (RFC 8058): the subscriber is erased",
    response=SubscriptionOut,
    auth=False,
    errors=(404,),
    tags=_TAGS,
)
async def unsubscribe(request: web.Request) -> web.Response:
    token = request.query.get("token", "")
    return json_response(await request.app[keys.SERVICES].residents.subscribers.unsubscribe(token))


@routes.get(UNSUBSCRIBE_PATH)
@api(
    summary="The page behind a newsletter's unsubscribe link (asks; only its POST unsubscribes)",
    media_type="text/html",
    auth=False,
    tags=_TAGS,
)
async def unsubscribe_page(request: web.Request) -> web.Response:
    return link_page(
        title="配信停止 / Unsubscribe",
        ja="町のお知らせメールを止めますか？",
        en="Stop the town's newsletter?",
        post_to=f"{UNSUBSCRIBE_PATH}?token={request.query.get('token', '')}",
        button="止める / Stop",
    )


@routes.get("/api/residents/stats")
@api(
    summary="Followers, subscribers, per topic, unfollows (admins, members; no personal data)",
    response=ResidentStats,
    errors=(403,),
    tags=_TAGS,
)
async def stats(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await request.app[keys.SERVICES].residents.stats.stats(principal))


@routes.post("/api/readings")
@api(
    summary="Furigana of a text, for the announcement form's preview (admins, members)",
    body=ReadingIn,
    response=ReadingOut,
    errors=(403,),
    tags=_TAGS,
)
async def reading_preview(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    if not request.app[keys.SERVICES].rights.may_preview_readings(principal):
        raise Forbidden("only those who write announcements preview readings")
    body = await parse_body(request, ReadingIn)
    return json_response(ReadingOut(reading=readings.segments(body.text)))
