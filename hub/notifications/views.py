"""HTTP views of the notification centre, preferences, LINE linking, one-click unsubscribe, the
delivery outbox (admins) and the LINE webhook. Design note: docs/notifications.md."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.errors import Forbidden, NotFound, PayloadTooLarge
from hub.http.auth import require_principal
from hub.http.bodies import parse_body, query_model
from hub.http.link_pages import link_page
from hub.http.openapi import api
from hub.http.responses import json_list, json_response
from hub.limits import MAX_LINE_WEBHOOK_BYTES
from hub.notifications import unsubscribe
from hub.notifications.outbox import to_delivery_out
from hub.notifications.qr import qr_svg
from hub.web.shell import add_page
from schemas.common import Status
from schemas.notifications import (
    DeliveryOut,
    DeliveryQuery,
    LineLinkCodeOut,
    NotificationOut,
    NotificationQuery,
    PreferencesIn,
    PreferencesOut,
    UnreadCountOut,
    UnsubscribeOut,
)

routes = web.RouteTableDef()
_TAGS = ["notifications"]


def add_pages(app: web.Application) -> None:
    """The notification centre (in the menu), notification settings, and partner webhooks."""
    # Not in the menu: the header's own link (with the unread count) leads there on every page.
    add_page(app, path="/notifications", name="notifications", title_key="notifications.title")
    add_page(app, path="/preferences", name="preferences", title_key="notifications.preferences_title")
    add_page(app, path="/webhooks", name="webhooks", title_key="notifications.webhooks_title")


@routes.get("/api/notifications")
@api(
    summary="The caller's notifications, newest first",
    query=NotificationQuery,
    response=list[NotificationOut],
    tags=_TAGS,
)
async def list_notifications(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, NotificationQuery)
    records = request.app[keys.SERVICES].notifications.records
    return json_list(await records.of_user(principal.id, unread=query.unread, limit=query.limit))


@routes.get("/api/notifications/unread-count")
@api(summary="How many of the caller's notifications are unread", response=UnreadCountOut, tags=_TAGS)
async def unread_count(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    records = request.app[keys.SERVICES].notifications.records
    return json_response(UnreadCountOut(unread=await records.unread_count(principal.id)))


@routes.post("/api/notifications/{id}/read")
@api(
    summary="Mark one of the caller's notifications read",
    response=NotificationOut,
    errors=(403, 404),
    tags=_TAGS,
)
async def mark_read(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    out = await services.notifications.records.mark_read(
        user_id=principal.id, record_id=request.match_info["id"], now=services.notifications.clock()
    )
    return json_response(out)


@routes.get("/api/me/preferences")
@api(summary="The caller's notification preferences", response=PreferencesOut, tags=_TAGS)
async def get_preferences(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    user = await services.identity.users.get(principal.id)
    if user is None:
        raise NotFound("no such user")
    return json_response(await services.notifications.preferences.of_user(user))


@routes.put("/api/me/preferences")
@api(
    summary="Set the caller's notification preferences",
    body=PreferencesIn,
    response=PreferencesOut,
    errors=(403,),
    tags=_TAGS,
)
async def put_preferences(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, PreferencesIn)
    preferences = request.app[keys.SERVICES].notifications.preferences
    return json_response(await preferences.put(principal.id, body, actor=principal.actor))


@routes.post("/api/me/line/link-code")
@api(
    summary="A one-time code to send to the Dejima LINE bot, linking the caller's LINE account",
    response=LineLinkCodeOut,
    status=201,
    errors=(403,),
    tags=_TAGS,
)
async def line_link_code(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    out = await services.notifications.line_linking.issue_code(principal.id)
    out.bot_id = services.settings.line_bot_id
    if services.settings.line_friend_url:
        out.friend_url = services.settings.line_friend_url
        out.friend_qr = "/api/line/friend-qr.svg"
    return json_response(out, status=201)


@routes.get("/api/line/friend-qr.svg")
@api(
    summary="The LINE official account's friend link as a QR code (SVG)",
    description="Made here (segno), no outside service. 404 without DEJIMA_LINE_FRIEND_URL.",
    errors=(404,),
    tags=_TAGS,
)
async def line_friend_qr(request: web.Request) -> web.Response:
    await require_principal(request)
    url = request.app[keys.SETTINGS].line_friend_url
    if not url:
        raise NotFound("no LINE friend link is configured (DEJIMA_LINE_FRIEND_URL)")
    return web.Response(
        body=qr_svg(url),
        content_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=3600"},
    )


@routes.delete("/api/me/line")
@api(summary="Unlink the caller's LINE account", status=204, errors=(403,), tags=_TAGS)
async def line_unlink(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    await request.app[keys.SERVICES].notifications.line_linking.unlink(principal.id)
    return web.Response(status=204)


@routes.post("/api/line/webhook")
@api(
    summary="LINE Messaging API webhook (X-Line-Signature): links accounts by one-time code; "
    "residents follow, choose topics, acknowledge and unfollow",
    response=Status,
    auth=False,
    errors=(401, 413),
    tags=_TAGS,
)
async def line_webhook(request: web.Request) -> web.Response:
    if (request.content_length or 0) > MAX_LINE_WEBHOOK_BYTES:
        raise PayloadTooLarge("a LINE webhook body is never this large")
    body = await request.read()
    if len(body) > MAX_LINE_WEBHOOK_BYTES:
        raise PayloadTooLarge("a LINE webhook body is never this large")
    services = request.app[keys.SERVICES]
    linking = services.notifications.line_linking
    payload = linking.parse(body, request.headers.get("X-Line-Signature"))
    await linking.handle(payload.events)
    # Residents following the town's account without one (hub/residents/followers.py).
    await services.residents.followers.handle(payload.events)
    return json_response(Status(status="ok"))


def _link_user(request: web.Request, purpose: unsubscribe.Purpose) -> str:
    """The user an unsubscribe link of ``purpose`` names (its token is signed), or 404."""
    token = request.query.get("token", "")
    secret = request.app[keys.SETTINGS].secret_key.get_secret_value()
    user_id = unsubscribe.verify(token, secret_key=secret, purpose=purpose)
    if user_id is None:
        raise NotFound("this unsubscribe link is not valid")
    return user_id


def _done(request: web.Request, *, ja: str, en: str) -> web.Response:
    # A browser (the page's button) gets a page; a mail client's one-click POST gets JSON.
    if "text/html" in request.headers.get("Accept", ""):
        return link_page(title="Dejima", ja=ja, en=en)
    return json_response(UnsubscribeOut())


@routes.get("/api/unsubscribe")
@api(
    summary="The page behind an e-mail's unsubscribe link (asks before changing anything)",
    media_type="text/html",
    auth=False,
    errors=(404,),
    tags=_TAGS,
)
async def unsubscribe_page(request: web.Request) -> web.Response:
    _link_user(request, "email")
    return link_page(
        title="Dejima",
        ja="Dejima からのメール通知を止めますか？",
        en="Stop e-mail notifications from Dejima?",
        post_to=f"{unsubscribe.PATH}?token={request.query.get('token', '')}",
        button="メール通知を止める / Stop e-mail",
    )


@routes.post("/api/unsubscribe")
@api(
    summary="One-click unsubscribe (RFC 8058): turns e-mail notifications off for that user",
    response=UnsubscribeOut,
    auth=False,
    errors=(404,),
    tags=_TAGS,
)
async def unsubscribe_now(request: web.Request) -> web.Response:
    user_id = _link_user(request, "email")
    if not await request.app[keys.SERVICES].notifications.preferences.turn_off_email(user_id):
        raise NotFound("this unsubscribe link is not valid")
    return _done(
        request,
        ja="メール通知を止めました。設定ページからいつでも戻せます。",
        en="E-mail notifications are off. You can turn them on again in your preferences.",
    )


@routes.get("/api/unsubscribe/digest")
@api(
    summary="The page behind the daily digest's unsubscribe link (asks before changing anything)",
    media_type="text/html",
    auth=False,
    errors=(404,),
    tags=_TAGS,
)
async def digest_unsubscribe_page(request: web.Request) -> web.Response:
    _link_user(request, "digest")
    return link_page(
        title="Dejima",
        ja="毎日のまとめメールを止めますか？",
        en="Stop the daily digest e-mail?",
        post_to=f"{unsubscribe.DIGEST_PATH}?token={request.query.get('token', '')}",
        button="まとめメールを止める / Stop the digest",
    )


@routes.post("/api/unsubscribe/digest")
@api(
    summary="One-click unsubscribe (RFC 8058) from the daily digest: digest off, all else as it was",
    response=UnsubscribeOut,
    auth=False,
    errors=(404,),
    tags=_TAGS,
)
async def digest_unsubscribe_now(request: web.Request) -> web.Response:
    user_id = _link_user(request, "digest")
    if not await request.app[keys.SERVICES].notifications.preferences.turn_off_digest(user_id):
        raise NotFound("this unsubscribe link is not valid")
    return _done(
        request,
        ja="まとめメールを止めました。設定ページからいつでも戻せます。",
        en="The daily digest is off. You can turn it on again in your preferences.",
    )


@routes.get("/api/deliveries")
@api(
    summary="The outbox of e-mail, LINE and webhook deliveries, e.g. ?state=failed (admins)",
    query=DeliveryQuery,
    response=list[DeliveryOut],
    errors=(403,),
    tags=_TAGS,
)
async def list_deliveries(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    if not services.rights.may_see_deliveries(principal):
        raise Forbidden("only admins see the delivery outbox")
    query = query_model(request, DeliveryQuery)
    docs = await services.notifications.outbox.find(
        state=query.state, channel=query.channel, limit=query.limit
    )
    return json_list([to_delivery_out(doc) for doc in docs])
