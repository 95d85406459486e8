"""The hubs themselves: created on start when missing, changed by admins (API.md, Hubs and check-in).

Both go through the hub's channel like every other change of a hub (docs/hubs.md).
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hub.doc import Doc
from hub.errors import Forbidden, InvalidRequest
from hub.events.log import Decision, EventLog, Unchanged, made
from hub.hubs import hours
from hub.hubs.model import DEFAULT_HUBS, HUBS, channel_of, hub_out, put_op, stored
from hub.hubs.service import HubService
from hub.principal import Principal
from hub.rights import Rights
from schemas.common import utc_now
from schemas.events import Change
from schemas.hubs import HubOut, HubPatch

log = logging.getLogger(__name__)


class HubAdmin:
    def __init__(self, db: AsyncDatabase[Doc], *, hubs: HubService, events: EventLog, rights: Rights) -> None:
        self._hubs_collection = db[HUBS]
        self._hubs = hubs
        self._events = events
        self._rights = rights

    async def ensure_seeded(self) -> None:
        """Create the contract's hubs when missing; several instances starting at once create each once."""
        for default in DEFAULT_HUBS:

            async def decide(default: Doc = default) -> Decision:
                existing = await self._hubs_collection.find_one({"_id": default["_id"]})
                if existing is not None:
                    return Unchanged(existing)
                doc = {**default, "created_at": utc_now()}
                out = hub_out(doc, occupancy=0)
                return Change(event="hub.created", data=out.model_dump(mode="json"), ops=[put_op(HUBS, doc)])

            result = await self._events.commit(channel_of(default["_id"]), decide, actor=None)
            if not isinstance(result, Unchanged):
                log.info("created hub %s", default["_id"])

    async def update_hub(self, principal: Principal, hub_id: str, patch: HubPatch) -> HubOut:
        if not self._rights.may_administer_hubs(principal):
            raise Forbidden("only admins may change a hub")
        current = await self._hubs.hub(hub_id)
        changes: dict[str, Any] = patch.model_dump(exclude_unset=True)
        if "timezone" in changes:
            hours.zone(changes["timezone"])
        if not changes:
            return hub_out(current, occupancy=await self._hubs.occupancy(hub_id))

        async def decide() -> Change:
            doc = {**stored(await self._hubs.hub(hub_id)), **changes, "updated_at": utc_now()}
            if doc["open"] == doc["close"]:
                raise InvalidRequest(
                    "opening and closing time must differ",
                    details={"fields": [{"path": "close", "message": "equals the opening time"}]},
                )
            out = hub_out(doc, occupancy=await self._hubs.count_open(hub_id))
            return Change(event="hub.updated", data=out.model_dump(mode="json"), ops=[put_op(HUBS, doc)])

        event = made(await self._events.commit(channel_of(hub_id), decide, actor=principal.actor))
        return HubOut.model_validate(event.data)
