"""Every kind of channel a socket may follow, built at composition time over exactly the services
each needs (docs/realtime.md, docs/architecture.md).

A check has the shape ``(principal, id) → Grant`` and asks hub/rights.py, like the REST read of the
same thing: ``NotFound`` for a thing the caller may not know exists, ``Forbidden`` for one they know
but may not follow. A new kind (events at hubs, residents …) is one more function here and one more
row in ``channel_kinds``; the realtime core does not change.
"""

from __future__ import annotations

from hub.boards.service import BoardService
from hub.errors import Forbidden, NotFound
from hub.gatherings.model import redact_event as redact_gathering
from hub.hubs.model import redact_event as redact_checkin
from hub.hubs.service import HubService
from hub.principal import Principal
from hub.realtime.channels import ChannelCheck, ChannelKind, ChannelTable, Grant
from hub.rights import Rights
from schemas.events import Event


def user_check(rights: Rights) -> ChannelCheck:
    async def check(principal: Principal, user_id: str) -> Grant:
        if not rights.may_subscribe_user_channel(principal, user_id):
            raise Forbidden("user channels are their owner's only")
        return Grant()

    return check


def announcements_check(rights: Rights) -> ChannelCheck:
    async def check(principal: Principal, _: str) -> Grant:
        if not rights.may_subscribe_announcements(principal):
            raise Forbidden("you may not follow announcements")
        return Grant()

    return check


def board_check(rights: Rights, boards: BoardService) -> ChannelCheck:
    """``board:{id}``: the right to read the board's project."""

    async def check(principal: Principal, board_id: str) -> Grant:
        access = await boards.access(board_id)
        if not rights.may_read_project(principal, access):
            raise NotFound("no such channel")
        # Checked again whenever the project's members change (a removed viewer stops receiving).
        return Grant(scope=f"project:{access.id}")

    return check


def hub_check(rights: Rights, hubs: HubService) -> ChannelCheck:
    """``hub:{id}``: every signed-in user may follow a hub (occupancy is public inside Dejima);
    admins, members and that hub's kiosk get events as logged, everyone else the redacted copy."""

    async def check(principal: Principal, hub_id: str) -> Grant:
        await hubs.hub(hub_id)  # NotFound for a hub that does not exist
        if not rights.may_subscribe_hub(principal, hub_id):
            raise Forbidden("you may not follow this hub")
        return Grant(full=rights.may_see_visitors(principal, hub_id))

    return check


def redact_hub_event(event: Event) -> Event:
    """A ``hub:`` channel carries check-ins and events at the hub: each domain reduces its own."""
    return redact_gathering(redact_checkin(event))


def channel_kinds(*, rights: Rights, boards: BoardService, hubs: HubService) -> ChannelTable:
    return ChannelTable(
        [
            ChannelKind("user", user_check(rights)),
            ChannelKind("announcements", announcements_check(rights), has_id=False),
            ChannelKind("board", board_check(rights, boards), presence=True),
            ChannelKind("hub", hub_check(rights, hubs), presence=True, redact=redact_hub_event),
        ]
    )
