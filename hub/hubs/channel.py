"""Channel ``hub:{id}`` on /ws: who may follow it, and the copy for those who may only see counts.

Every signed-in user may follow a hub (occupancy is public inside Dejima); admins, members and that
hub's kiosk get events as logged, everyone else gets each ``checkin.*`` event without the fields that
say who the person is, and without its actor (API.md, Realtime: "a visitor's name on ``hub:``").
"""

from __future__ import annotations

from hub.errors import Forbidden
from hub.hubs.model import redact_event_data
from hub.identity.principal import Principal
from hub.realtime.channels import ChannelKind, ChannelTable, Grant
from hub.services import Services
from schemas.events import Event


async def check_hub(services: Services, principal: Principal, hub_id: str) -> Grant:
    await services.hubs.service.hub(hub_id)  # NotFound for a hub that does not exist
    if not services.rights.may_subscribe_hub(principal, hub_id):
        raise Forbidden("you may not follow this hub")
    return Grant(full=services.rights.may_see_visitors(principal, hub_id))


def redact(event: Event) -> Event:
    if not event.event.startswith("checkin."):
        return event
    return event.model_copy(update={"data": redact_event_data(event.data), "actor": None})


def register(table: ChannelTable) -> None:
    table.register(ChannelKind("hub", check_hub, presence=True, redact=redact))
