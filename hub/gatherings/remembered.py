"""What a registration decides on, remembered at a seq of the hub's channel: each event's document
(its seat counts) and the codes its registrations hold, so that a rush of registrations decides
without a read (docs/gatherings.md, "Seats under a rush").

As the boards' remembered figures (hub/boards/ends.py), it describes exactly one seq: it is used only
by a ``decide`` at that very seq (``deciding_head``) and carried forward over the channel's events as
the log tells them (its observer), from their ops; a gap, or an op that says too little (an erased
registration), makes it read again. A miss costs the reads it saves, never a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.doc import Doc
from hub.events.remembered import Remembered
from hub.gatherings.model import GATHERINGS, REGISTRATIONS

# Hubs whose events are remembered: there are two; the bound only guards against a misuse.
_HUBS_REMEMBERED = 64


@dataclass
class HubSeats:
    """One hub's channel at ``seq``: stored event documents, and each loaded event's taken codes."""

    seq: int
    events: dict[str, Doc] = field(default_factory=dict)
    codes: dict[str, set[str]] = field(default_factory=dict)


def seats_by_hub() -> Remembered[HubSeats]:
    """What registrations decide on, per hub, each at the one seq it describes (carried with ``carry``)."""
    return Remembered(lambda seq: HubSeats(seq=seq), keep=_HUBS_REMEMBERED)


def carry(known: HubSeats, raw: Doc, seq: int) -> None:
    """Carry a hub's remembered events and codes over one op of event ``seq``."""
    if raw["collection"] == GATHERINGS:
        if raw["op"] == "put":
            known.events[raw["doc"]["_id"]] = {**raw["doc"], "_seq": seq, "_deleted": False}
        else:
            known.events.pop(raw["id"], None)
    elif raw["collection"] == REGISTRATIONS:
        if raw["op"] != "put":  # a removed registration names no code: read them again
            known.codes.clear()
            return
        taken = known.codes.get(raw["doc"]["event_id"])
        if taken is not None:
            taken.add(raw["doc"]["code"])
