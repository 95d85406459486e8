"""Which channels exist and who may follow them: a small table, one row per kind of channel.

Each kind is built at composition time (hub/channel_kinds.py) as a check closed over exactly the
services it needs, of the shape ``(principal, id) → Grant``; the socket code never changes for a new
kind, and knows no domain. A check raises ``NotFound``
for a thing the caller may not know exists (or that does not exist) and ``Forbidden`` for a thing they
know but may not follow, exactly as the REST reads of the same thing do (hub/rights.py).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hub.errors import NotFound
from hub.principal import Principal
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


ChannelCheck = Callable[[Principal, str], Awaitable[Grant]]
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
    def __init__(self, kinds: list[ChannelKind]) -> None:
        self._kinds = {kind.name: kind for kind in kinds}
        if len(self._kinds) != len(kinds):
            raise ValueError("two channel kinds of the same name")

    def replace(self, kind: ChannelKind) -> None:
        """Put ``kind`` in place of the one of its name: for tests and benchmarks that follow
        channels without the domain behind them. The hub itself builds its table once."""
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
