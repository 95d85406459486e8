"""What the realtime core needs from the rest of the hub, as narrow ports handed in at composition
(hub/app.py): reading the event log, presence, authenticating a token, and the table of channel kinds.

The core imports no domain and not the composition root; a new kind of channel is a row of the
table built at composition time (hub/channel_kinds.py), and nothing here changes for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from hub.principal import Principal
from schemas.events import Event


class LogReader(Protocol):
    """The part of the event log (hub/events/log.py) that subscribers read."""

    async def head(self, channel: str) -> int: ...

    async def since(self, channel: str, seq: int, *, limit: int | None = None) -> list[Event]: ...

    async def oldest_kept(self, channel: str) -> int | None: ...

    async def recent_heads(self, *, window_s: float) -> dict[str, int]: ...


# A session token or API token → who it is, or None when it is not (or no longer) valid.
Authenticate = Callable[[str], Awaitable[Principal | None]]

# Whether a subscriber counts as a person present (a kiosk or the wall watches without being one);
# the rule book decides (Rights.counts_in_presence).
CountsInPresence = Callable[[Principal], bool]
