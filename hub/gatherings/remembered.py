"""What a registration decides on, remembered at a seq of the hub's channel: each event's document
(its seat counts) and the codes its registrations hold, so that a rush of registrations decides
without a read (docs/gatherings.md, "Seats under a rush").

As the boards' remembered figures (hub/boards/ends.py), it describes exactly one seq: it is used only
by a ``decide`` at that very seq (``deciding_head``) and carried forward over the channel's events as
the log tells them (its observer), from their ops; a gap, or an op that says too little (an erased
registration), makes it read again. A miss costs the reads it saves, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hub.doc import Doc
from hub.gatherings.model import GATHERINGS, REGISTRATIONS

# Hubs whose events are remembered: there are two; the bound only guards against a misuse.
_HUBS_REMEMBERED = 64


@dataclass
class HubSeats:
    """One hub's channel at ``seq``: stored event documents, and each loaded event's taken codes."""

    seq: int
    events: dict[str, Doc] = field(default_factory=dict)
    codes: dict[str, set[str]] = field(default_factory=dict)


class RememberedSeats:
    def __init__(self) -> None:
        self._hubs: dict[str, HubSeats] = {}

    def at(self, hub_id: str, seq: int) -> HubSeats:
        """What is known of the hub at ``seq`` (fresh and empty when what is known is of another seq)."""
        known = self._hubs.get(hub_id)
        if known is None or known.seq != seq:
            known = self._hubs[hub_id] = HubSeats(seq=seq)
            if len(self._hubs) > _HUBS_REMEMBERED:
                del self._hubs[next(iter(self._hubs))]
        return known

    def carry(self, hub_id: str, seq: int, ops: Sequence[Doc]) -> None:
        """Event ``seq`` of the hub's channel is logged with ``ops``: carry what is known at
        ``seq - 1`` over it, or forget the hub."""
        known = self._hubs.get(hub_id)
        if known is None:
            return
        if known.seq != seq - 1:
            del self._hubs[hub_id]
            return
        known.seq = seq
        for raw in ops:
            if raw["collection"] == GATHERINGS:
                if raw["op"] == "put":
                    known.events[raw["doc"]["_id"]] = {**raw["doc"], "_seq": seq, "_deleted": False}
                else:
                    known.events.pop(raw["id"], None)
            elif raw["collection"] == REGISTRATIONS:
                if raw["op"] != "put":  # a removed registration names no code: read them again
                    known.codes.clear()
                    continue
                taken = known.codes.get(raw["doc"]["event_id"])
                if taken is not None:
                    taken.add(raw["doc"]["code"])

    def forget(self, hub_id: str) -> None:
        self._hubs.pop(hub_id, None)
