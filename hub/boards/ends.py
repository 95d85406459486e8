"""The ends of a board's columns, remembered at a seq of its channel: each column's stored document,
its first and last card by position and the card placed last — all that a card created at either
end of a column needs to decide where it goes (hub/boards/positions.py), so that the creations on a
busy board decide without a read (docs/boards.md, "Throughput").

Like the open cards (hub/boards/store.py), what is remembered describes exactly one seq: it is used
only by a ``decide`` at that very seq (``deciding_head``), and carried forward over the board's
events this process logs itself, from their ops (the log's observer). An end that an op may have
moved is forgotten rather than guessed, and any other writer's event (a seq this process did not
log) starts the board afresh: a miss costs the reads it saves, never a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.boards.model import CARDS, COLUMNS, placed_at
from hub.doc import Doc
from hub.events.remembered import Remembered

# Boards whose ends are remembered (least recently used forgotten first): a few columns of three
# card documents each, so a few kilobytes a board.
_BOARDS_REMEMBERED = 2_000


@dataclass
class ColumnEnds:
    """A column's first and last live card by position, and its card placed last (None: empty)."""

    first: Doc | None
    last: Doc | None
    newest: Doc | None

    def holds(self, card_id: str) -> bool:
        return any(doc is not None and doc["_id"] == card_id for doc in (self.first, self.last, self.newest))


@dataclass
class BoardEnds:
    """What is known of one board at ``seq``: stored columns (tombstones too) and column ends."""

    seq: int
    columns: dict[str, Doc] = field(default_factory=dict)
    ends: dict[str, ColumnEnds] = field(default_factory=dict)


def ends_by_board() -> Remembered[BoardEnds]:
    """The boards' ends, each at the one seq it describes (carried with ``carry``)."""
    return Remembered(lambda seq: BoardEnds(seq=seq), keep=_BOARDS_REMEMBERED)


def carry(known: BoardEnds, raw: Doc, seq: int) -> None:
    """Carry a board's ends over one op of event ``seq``."""
    if raw["collection"] == COLUMNS:
        _carry_column(known, raw, seq)
    elif raw["collection"] == CARDS:
        _carry_card(known, raw, seq)


def _carry_column(known: BoardEnds, raw: Doc, seq: int) -> None:
    if raw["op"] == "put":
        known.columns[raw["doc"]["_id"]] = {**raw["doc"], "_seq": seq, "_deleted": False}
    else:
        known.columns[raw["id"]] = {"_id": raw["id"], "_seq": seq, "_deleted": True}
        known.ends.pop(raw["id"], None)


def _carry_card(known: BoardEnds, raw: Doc, seq: int) -> None:
    card = {**raw["doc"], "_seq": seq, "_deleted": False} if raw["op"] == "put" else None
    card_id = raw["doc"]["_id"] if card is not None else raw["id"]
    # A column the card was an end of: the same end still when it stayed put, else not known.
    for column_id, ends in list(known.ends.items()):
        if not ends.holds(card_id):
            continue
        if card is not None and card["column_id"] == column_id and _same_place(ends, card):
            ends.first, ends.last, ends.newest = (
                card if doc is not None and doc["_id"] == card_id else doc
                for doc in (ends.first, ends.last, ends.newest)
            )
        else:
            del known.ends[column_id]
    if card is None:
        return
    target = known.ends.get(card["column_id"])
    if target is None:
        return
    if target.first is None or card["position"] < target.first["position"]:
        target.first = card
    if target.last is None or card["position"] > target.last["position"]:
        target.last = card
    if target.newest is None or placed_at(card) > placed_at(target.newest):
        target.newest = card


def _same_place(ends: ColumnEnds, card: Doc) -> bool:
    """The card keeps the position and placing time it has as an end of this column."""
    return all(
        doc["position"] == card["position"] and placed_at(doc) == placed_at(card)
        for doc in (ends.first, ends.last, ends.newest)
        if doc is not None and doc["_id"] == card["_id"]
    )
