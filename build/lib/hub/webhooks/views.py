"""HTTP views of partner webhooks: endpoints of an organisation, their secrets and delivery logs.
An org's admin-side (admins) and its own partners manage them; anyone else gets 404."""

from __future__ import annotations

from aiohttp import web

from hub import keys
from hub.errors import NotFound
from hub.http.auth import require_principal
from hub.http.bodies import parse_body, query_model
from hub.http.idempotency import idempotency_key
from hub.http.openapi import api
from hub.http.responses import json_list, json_response
from hub.notifications.outbox import to_delivery_out
from schemas.notifications import (
    DeliveryOut,
    DeliveryQuery,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhookSecretOut,
)

routes = web.RouteTableDef()
_TAGS = ["webhooks"]
_BASE = "/api/orgs/{id}/webhooks"


@routes.post(_BASE)
@api(
    summary="Register a webhook endpoint; the answer shows its secret once",
    body=WebhookIn,
    response=WebhookCreatedOut,
    status=201,
    idempotent=True,
    errors=(403, 404, 409),
    tags=_TAGS,
)
async def create_webhook(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, WebhookIn)
    webhooks = request.app[keys.SERVICES].webhooks.store
    out = await webhooks.create(principal, request.match_info["id"], body, key=idempotency_key(request))
    return json_response(out, status=201)


@routes.get(_BASE)
@api(summary="The organisation's webhook endpoints", response=list[WebhookOut], errors=(404,), tags=_TAGS)
async def list_webhooks(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    webhooks = request.app[keys.SERVICES].webhooks.store
    return json_list(await webhooks.of_org(principal, request.match_info["id"]))


@routes.patch(_BASE + "/{wid}")
@api(
    summary="Turn an endpoint on or off (on again after a 410 disabled it)",
    body=WebhookPatch,
    response=WebhookOut,
    errors=(404,),
    tags=_TAGS,
)
async def patch_webhook(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    body = await parse_body(request, WebhookPatch)
    webhooks = request.app[keys.SERVICES].webhooks.store
    out = await webhooks.set_active(
        principal, request.match_info["id"], request.match_info["wid"], active=body.active
    )
    return json_response(out)


@routes.delete(_BASE + "/{wid}")
@api(summary="Delete an endpoint", status=204, errors=(403, 404), tags=_TAGS)
async def delete_webhook(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    webhooks = request.app[keys.SERVICES].webhooks.store
    await webhooks.delete(principal, request.match_info["id"], request.match_info["wid"])
    return web.Response(status=204)


@routes.post(_BASE + "/{wid}/rotate-secret")
@api(
    summary="A new secret, shown once; the previous one keeps signing for 24 hours",
    response=WebhookSecretOut,
    errors=(403, 404),
    tags=_TAGS,
)
async def rotate_secret(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    webhooks = request.app[keys.SERVICES].webhooks.store
    return json_response(
        await webhooks.rotate(principal, request.match_info["id"], request.match_info["wid"])
    )


@routes.get(_BASE + "/{wid}/deliveries")
@api(
    summary="The endpoint's delivery log, newest first",
    query=DeliveryQuery,
    response=list[DeliveryOut],
    errors=(404,),
    tags=_TAGS,
)
async def list_webhook_deliveries(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    query = query_model(request, DeliveryQuery)
    services = request.app[keys.SERVICES]
    notifications = services.notifications
    hook = await services.webhooks.store.get(principal, request.match_info["id"], request.match_info["wid"])
    docs = await notifications.outbox.find(webhook_id=hook["_id"], state=query.state, limit=query.limit)
    return json_list([to_delivery_out(doc) for doc in docs])


@routes.post(_BASE + "/{wid}/deliveries/{did}/resend")
@api(
    summary="Send a delivery again (same webhook-id, so the receiver can tell it is a repeat)",
    response=DeliveryOut,
    errors=(403, 404, 409),
    tags=_TAGS,
)
async def resend_delivery(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    services = request.app[keys.SERVICES]
    notifications = services.notifications
    hook = await services.webhooks.store.get(principal, request.match_info["id"], request.match_info["wid"])
    current = await notifications.outbox.get(request.match_info["did"])
    if current is None or current.get("webhook_id") != hook["_id"]:
        raise NotFound("no such delivery")
    doc = await notifications.outbox.reopen(current["_id"], now=notifications.clock())
    if doc is None:
        doc = current  # still pending: it is being sent already
    else:
        await notifications.queue.delivery(doc["_id"], channel="webhook")
    return json_response(to_delivery_out(doc))
