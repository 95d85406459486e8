"""The open check-ins of each hub, remembered at a seq of its channel, so that a check-in's ``decide``
counts them without a read (docs/hubs.md, "Capacity is exact under concurrency").

Counting the open check-ins is a scan that grows with them (on nx-27017 an aggregation run in
Python), and every check-in counted twice: once to check the capacity, once for the occupancy it
publishes. As the gatherings' seats (hub/gatherings/remembered.py), the record describes exactly one
seq: it is used only by a ``decide`` at that very seq (``deciding_head``) and carried forward over the
channel's events from their ops as the log tells them; a gap makes it read again. It keeps the ids,
not a number, so an op carried over a state that already holds it changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.doc import Doc
from hub.events.remembered import Remembered
from hub.hubs.model import CHECKINS

# Hubs whose open check-ins are remembered: there are two; the bound only guards against a misuse.
_HUBS_REMEMBERED = 64


@dataclass
class OpenCheckins:
    """One hub's channel at ``seq``: the ids of its open check-ins (None until read once)."""

    seq: int
    ids: set[str] | None = None


def open_by_hub() -> Remembered[OpenCheckins]:
    return Remembered(lambda seq: OpenCheckins(seq=seq), keep=_HUBS_REMEMBERED)


def is_open(doc: Doc) -> bool:
    return doc.get("checked_out_at") is None and not doc.get("_deleted")


def carry(known: OpenCheckins, raw: Doc, seq: int) -> None:
    """Carry a hub's open check-ins over one op of event ``seq`` (a check-in's ops are logged on its
    own hub's channel only)."""
    if raw["collection"] != CHECKINS or known.ids is None:
        return
    if raw["op"] == "put" and is_open(raw["doc"]):
        known.ids.add(raw["doc"]["_id"])
    else:
        known.ids.discard(raw["doc"]["_id"] if raw["op"] == "put" else raw["id"])
