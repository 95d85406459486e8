"""Partner webhook endpoints (collection ``webhooks``).

Design note: docs/notifications.md. An organisation's admin or partner registers ``{url, events}``;
the secret (hub/webhooks/signing.py) is shown once.
"""

from __future__ import annotations

from datetime import timedelta

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.clock import Clock
from hub.doc import Doc
from hub.errors import Conflict, InvalidRequest, NotFound
from hub.identity.orgs import OrgStore
from hub.ids import idempotent_id
from hub.limits import MAX_WEBHOOKS_PER_ORG, WEBHOOK_ROTATION_OVERLAP_S
from hub.notifications.times import ms
from hub.principal import Principal
from hub.rights import Rights
from hub.settings import Settings
from hub.webhooks import netguard
from hub.webhooks.signing import new_secret
from schemas.notifications import WebhookCreatedOut, WebhookIn, WebhookOut, WebhookSecretOut

COLLECTION = "webhooks"


def matches(patterns: list[str], event: str) -> bool:
    for pattern in patterns:
        if pattern == "*" or pattern == event:
            return True
        if pattern.endswith(".*") and event.startswith(pattern[:-1]):
            return True
    return False


def to_out(doc: Doc) -> WebhookOut:
    return WebhookOut.model_validate({**doc, "id": doc["_id"]})


class WebhookStore:
    def __init__(
        self, db: AsyncDatabase[Doc], *, settings: Settings, orgs: OrgStore, rights: Rights, clock: Clock
    ) -> None:
        self._hooks = db[COLLECTION]
        self._settings = settings
        self._orgs = orgs
        self._rights = rights
        self._clock = clock

    async def ensure_indexes(self) -> None:
        await self._hooks.create_index([("org_id", ASCENDING), ("created_at", ASCENDING)])
        await self._hooks.create_index("active")

    async def _require(self, principal: Principal, org_id: str) -> None:
        if (
            not self._rights.may_manage_org_webhooks(principal, org_id)
            or await self._orgs.get(org_id) is None
        ):
            raise NotFound("no such organisation")

    async def create(
        self, principal: Principal, org_id: str, body: WebhookIn, *, key: str | None
    ) -> WebhookCreatedOut:
        await self._require(principal, org_id)
        webhook_id = "wh_" + idempotent_id(caller_id=principal.id, scope=f"webhooks:{org_id}", key=key)
        existing = await self._hooks.find_one({"_id": webhook_id})
        if existing is not None:
            return WebhookCreatedOut.model_validate({**existing, "id": webhook_id})
        reason = await netguard.blocked_reason(body.url, allow_private=self._settings.webhook_allow_private)
        if reason is not None:
            raise InvalidRequest(
                f"this webhook URL is refused: {reason}",
                details={
                    "fields": [{"path": "url", "message": reason, "type": netguard.reason_code(reason)}]
                },
            )
        if await self._hooks.count_documents({"org_id": org_id}) >= MAX_WEBHOOKS_PER_ORG:
            raise Conflict(f"an organisation has at most {MAX_WEBHOOKS_PER_ORG} webhooks")
        doc: Doc = {
            "_id": webhook_id,
            "org_id": org_id,
            "url": body.url,
            "events": body.events,
            "description": body.description,
            "secret": new_secret(),
            "previous_secret": "",
            "previous_valid_until_ms": 0,
            "active": True,
            "disabled_reason": None,
            "created_by": principal.id,
            "created_at": self._clock(),
        }
        try:
            await self._hooks.insert_one(doc)
        except DuplicateKeyError:
            doc = await self._hooks.find_one({"_id": webhook_id}) or doc
        return WebhookCreatedOut.model_validate({**doc, "id": webhook_id})

    async def of_org(self, principal: Principal, org_id: str) -> list[WebhookOut]:
        await self._require(principal, org_id)
        docs = await self._hooks.find({"org_id": org_id}).sort("created_at", ASCENDING).to_list()
        return [to_out(doc) for doc in docs]

    async def get(self, principal: Principal, org_id: str, webhook_id: str) -> Doc:
        await self._require(principal, org_id)
        doc = await self._hooks.find_one({"_id": webhook_id, "org_id": org_id})
        if doc is None:
            raise NotFound("no such webhook")
        return doc

    async def delete(self, principal: Principal, org_id: str, webhook_id: str) -> None:
        await self.get(principal, org_id, webhook_id)
        await self._hooks.delete_one({"_id": webhook_id})

    async def set_active(
        self, principal: Principal, org_id: str, webhook_id: str, *, active: bool
    ) -> WebhookOut:
        await self.get(principal, org_id, webhook_id)
        doc = await self._hooks.find_one_and_update(
            {"_id": webhook_id},
            {"$set": {"active": active, "disabled_reason": None if active else "disabled by a person"}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound("no such webhook")
        return to_out(doc)

    async def rotate(self, principal: Principal, org_id: str, webhook_id: str) -> WebhookSecretOut:
        doc = await self.get(principal, org_id, webhook_id)
        until = self._clock() + timedelta(seconds=WEBHOOK_ROTATION_OVERLAP_S)
        secret = new_secret()
        await self._hooks.update_one(
            {"_id": webhook_id},
            {
                "$set": {
                    "secret": secret,
                    "previous_secret": doc["secret"],
                    "previous_valid_until_ms": ms(until),
                }
            },
        )
        return WebhookSecretOut(secret=secret, previous_valid_until=until)

    # --- for the follower and the sender ----------------------------------------------------------

    async def active(self) -> list[Doc]:
        return await self._hooks.find({"active": True}).to_list()

    async def by_id(self, webhook_id: str) -> Doc | None:
        return await self._hooks.find_one({"_id": webhook_id})

    async def disable(self, webhook_id: str, *, reason: str) -> None:
        await self._hooks.update_one(
            {"_id": webhook_id}, {"$set": {"active": False, "disabled_reason": reason}}
        )
