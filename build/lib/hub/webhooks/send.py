"""Posting one claimed webhook delivery to a partner's endpoint (Standard Webhooks).

Before each attempt the endpoint must still be active, its organisation must still be allowed to read
the event's project (rights can change between the event and a retry hours later), and its URL must
still pass the SSRF guard, now enforced on the very addresses the connection uses. Any 2xx is
delivered; ``410 Gone`` disables the endpoint; anything else, or no answer within
``WEBHOOK_TIMEOUT_S``, is retried on the settings' schedule and recorded failed after the last try.
An endpoint that keeps failing is not asked at all while its breaker is open (breaker.py).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import aiohttp

from hub.clock import Clock
from hub.doc import Doc
from hub.limits import WEBHOOK_TIMEOUT_S
from hub.notifications.outbox import Outbox
from hub.notifications.retry import retry_after_s, retry_at
from hub.settings import Settings
from hub.webhooks import netguard
from hub.webhooks.breaker import Breaker, OrgGate
from hub.webhooks.follow import WebhookFollower
from hub.webhooks.signing import signature_header, signing_secrets
from hub.webhooks.store import WebhookStore

log = logging.getLogger(__name__)


USER_AGENT = "Dejima-Webhooks/1"


def body_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookSender:
    def __init__(
        self,
        *,
        settings: Settings,
        webhooks: WebhookStore,
        follower: WebhookFollower,
        outbox: Outbox,
        breaker: Breaker,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._breaker = breaker
        # Per organisation, in this process: taken by DeliveryRunner before it claims a delivery.
        self.gate = OrgGate()
        self._webhooks = webhooks
        self._follower = follower
        self._outbox = outbox
        self._clock = clock

    async def send(self, doc: Doc) -> datetime | None:
        now = self._clock()
        ids = [doc["_id"]]
        hook = await self._webhooks.by_id(doc["webhook_id"])
        if hook is None or not hook["active"]:
            await self._outbox.mark_final(
                ids, state="cancelled", now=now, error="the webhook is disabled or deleted"
            )
            return None
        if not await self._follower.rights_view().may_receive(hook["org_id"], doc["channel_name"]):
            await self._outbox.mark_final(
                ids, state="cancelled", now=now, error="the organisation may no longer read this project"
            )
            return None
        verdict = await self._breaker.before(hook["_id"])
        retry_after: float | None
        if verdict.action == "wait":
            # Not sent: deferred until the breaker may close, as a failed attempt of the schedule.
            status, error, retry_after = None, "circuit open: the endpoint keeps failing", verdict.wait_s
        else:
            status, error, retry_after = await self._post(hook, doc)
            await self._breaker.after(hook["_id"], ok=status is not None and 200 <= status < 300)
        now = self._clock()
        if status is not None and 200 <= status < 300:
            await self._outbox.mark_sent(ids, now=now, status=status, attempts=doc["attempts"])
            return None
        if status == 410:
            await self._webhooks.disable(hook["_id"], reason="the endpoint answered 410 Gone")
            await self._outbox.mark_final(
                ids,
                state="failed",
                now=now,
                error="410 Gone: endpoint disabled",
                status=410,
                attempts=doc["attempts"],
            )
            log.warning("webhook %s answered 410: disabled", hook["_id"])
            return None
        later = retry_at(
            self._settings.webhook_retry_delays_s,
            attempts=doc["attempts"],
            now=now,
            retry_after_s=retry_after,
        )
        if later is None:
            await self._outbox.mark_final(
                ids,
                state="failed",
                now=now,
                error=f"gave up after {doc['attempts']} attempts: {error}",
                status=status,
                attempts=doc["attempts"],
            )
            log.warning("webhook delivery %s failed for good: %s", doc["_id"], error)
            return None
        await self._outbox.mark_retry(
            ids, now=now, next_at=later, error=error, status=status, attempts=doc["attempts"]
        )
        return later

    async def _post(self, hook: Doc, doc: Doc) -> tuple[int | None, str, float | None]:
        allow_private = self._settings.webhook_allow_private
        reason = await netguard.blocked_reason(hook["url"], allow_private=allow_private)
        if reason is not None:
            return None, f"refused: {reason}", None
        body = body_bytes(doc["payload"])
        timestamp = int(self._clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": doc["msg_id"],
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(
                signing_secrets(hook, now=self._clock()), msg_id=doc["msg_id"], timestamp=timestamp, body=body
            ),
        }
        connector = aiohttp.TCPConnector(resolver=None if allow_private else netguard.GuardedResolver())
        timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_S)
        try:
            async with (
                aiohttp.ClientSession(connector=connector, timeout=timeout) as session,
                session.post(hook["url"], data=body, headers=headers, allow_redirects=False) as response,
            ):
                await response.read()
                status = response.status
                retry_after = retry_after_s(response.headers.get("Retry-After"))
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            return None, f"{type(error).__name__}: {error}", None
        return status, "" if 200 <= status < 300 else f"HTTP {status}", retry_after
