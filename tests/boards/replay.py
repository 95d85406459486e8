"""A board rebuilt from events, as a live page keeps it: the test's independent model of the contract."""

from __future__ import annotations

import copy
from typing import Any

Snapshot = dict[str, Any]


def apply_event(board: Snapshot, event: str, data: dict[str, Any]) -> None:
    """Fold one event of ``board:{id}`` into a snapshot (API.md: ``data`` is the whole resource)."""
    columns: list[dict[str, Any]] = board["columns"]
    if event in ("column.created", "column.updated", "column.moved"):
        existing = next((c for c in columns if c["id"] == data["id"]), None)
        cards = existing["cards"] if existing else []
        columns[:] = [c for c in columns if c["id"] != data["id"]]
        columns.append({**data, "cards": cards})
    elif event == "column.deleted":
        columns[:] = [c for c in columns if c["id"] != data["id"]]
    elif event == "column.rebalanced":
        for column in columns:
            if column["id"] == data["id"]:
                column["cards"] = copy.deepcopy(data["cards"])
    elif event == "cards.imported":
        for card in data["cards"]:
            apply_event(board, "card.created", card)
    elif event.startswith("card."):
        for column in columns:
            column["cards"] = [c for c in column["cards"] if c["id"] != data["id"]]
        if not data.get("archived"):
            for column in columns:
                if column["id"] == data["column_id"]:
                    column["cards"].append(data)
    for column in columns:
        column["cards"].sort(key=lambda c: (c["position"], c["id"]))
    columns.sort(key=lambda c: (c["position"], c["id"]))


def without_volatile(board: Snapshot) -> Snapshot:
    """The snapshot without ``seq`` (compared separately)."""
    return {k: v for k, v in board.items() if k != "seq"}
