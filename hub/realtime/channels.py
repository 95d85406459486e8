"""Which channels exist and who may follow them: a small table, one row per kind of channel.

Each domain registers its own kind (``board`` by the boards code, ``hub`` by the hubs code) with
``ChannelTable.register``; the socket code never changes for a new kind. A check raises ``NotFound``
for a thing the caller may not know exists (or that does not exist) and ``Forbidden`` for a thing they
know but may not follow, exactly as the REST reads of the same thing do (hub/rights.py).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hub.errors import Forbidden, NotFound
from hub.identity.principal import Principal
from hub.services import Services
from schemas.events import Event

# ``kind:id`` with an id of our alphabet, or a bare kind (``announcements``).
_CHANNEL = re.compile(r"^([a-z]{1,20})(?::([A-Za-z0-9_-]{1,64}))?$")


@dataclass(frozen=True, slots=True)
class Grant:
    """What a successful check gives a subscription."""

    # False: the subscriber receives the copy of each event made by the kind's ``redact``.
    full: bool = True
    # A key such as ``project:P``: the subscription is checked again when ``dejima:rights`` names it.
    scope: str | None = None


ChannelCheck = Callable[[Services, Principal, str], Awaitable[Grant]]
# Makes the copy of an event for subscribers whose grant is not ``full`` (e.g. visitors' names removed).
Redactor = Callable[[Event], Event]


@dataclass(frozen=True, slots=True)
class ChannelKind:
    name: str
    check: ChannelCheck
    # Channels of this kind carry presence (API.md: ``board:`` and ``hub:``).
    presence: bool = False
    redact: Redactor | None = None
    # A bare channel (``announcements``) has no id.
    has_id: bool = True


class ChannelTable:
    def __init__(self) -> None:
        self._kinds: dict[str, ChannelKind] = {}

    def register(self, kind: ChannelKind) -> None:
        """Add a kind, or replace the one of the same name (the built-in placeholders)."""
        self._kinds[kind.name] = kind

    def kind(self, name: str) -> ChannelKind | None:
        return self._kinds.get(name)

    def resolve(self, channel: str) -> tuple[ChannelKind, str]:
        """The kind and id of a channel name; ``NotFound`` for a channel that cannot exist."""
        match = _CHANNEL.match(channel)
        kind = self._kinds.get(match.group(1)) if match else None
        if match is None or kind is None or kind.has_id != (match.group(2) is not None):
            raise NotFound(f"no such channel: {channel[:80]}")
        return kind, match.group(2) or ""


async def _check_user(services: Services, principal: Principal, user_id: str) -> Grant:
    if not services.rights.may_subscribe_user_channel(principal, user_id):
        raise Forbidden("user channels are their owner's only")
    return Grant()


async def _check_announcements(services: Services, principal: Principal, _: str) -> Grant:
    if not services.rights.may_subscribe_announcements(principal):
        raise Forbidden("you may not follow announcements")
    return Grant()


async def _not_yet(services: Services, principal: Principal, channel_id: str) -> Grant:
    # Placeholder until the domain that owns the channel registers its check: refuse, never allow.
    raise NotFound("no such channel")


def build_channel_table() -> ChannelTable:
    table = ChannelTable()
    table.register(ChannelKind("user", _check_user))
    table.register(ChannelKind("announcements", _check_announcements, has_id=False))
    table.register(ChannelKind("board", _not_yet, presence=True))
    table.register(ChannelKind("hub", _not_yet, presence=True))
    return table
