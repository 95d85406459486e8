"""A board as a file (API.md, "Finding and reminding", Export): JSON with everything, or CSV with a
row per card that a spreadsheet opens safely.

Both are read at one ``seq`` with ``EventLog.read``, so an export never mixes two moments.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from hub.boards import model
from hub.boards.model import CARDS, COLUMNS, COMMENTS, channel_of
from hub.boards.service import BoardService
from hub.boards.store import BoardStore
from hub.doc import Doc
from hub.events.log import EventLog
from hub.principal import Principal
from schemas.common import utc_now

# What a spreadsheet would run as a formula (OWASP "CSV injection"); such a cell gets a leading '.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "id",
    "column",
    "title",
    "description",
    "labels",
    "assignees",
    "due",
    "archived",
    "checklist",
    "comments",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class BoardExport:
    board: Doc
    seq: int
    columns: list[Doc]
    cards: list[Doc]
    comments: list[Doc]


def neutralise(cell: str) -> str:
    """A cell as text, never a formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


class BoardExporter:
    def __init__(self, *, boards: BoardService, store: BoardStore, events: EventLog) -> None:
        self._boards = boards
        self._store = store
        self._events = events

    async def read(self, principal: Principal, board_id: str) -> BoardExport:
        info = await self._boards.board_info(principal, board_id)
        state, seq = await self._events.read(channel_of(board_id), lambda: self._store.whole_state(board_id))

        def alive(name: str) -> list[Doc]:
            return [doc for doc in state.get(name, {}).values() if not doc.get("_deleted")]

        return BoardExport(
            board={"id": info.id, "project_id": info.project_id, "title": info.title},
            seq=seq,
            columns=sorted(alive(COLUMNS), key=lambda d: (d["position"], d["_id"])),
            cards=sorted(alive(CARDS), key=lambda d: (d["column_id"], d["position"], d["_id"])),
            comments=sorted(alive(COMMENTS), key=lambda d: (d["created_at"], d["_id"])),
        )

    @staticmethod
    def to_json(export: BoardExport) -> bytes:
        body: dict[str, Any] = {
            "format": "dejima.board",
            "version": 1,
            "exported_at": utc_now().isoformat().replace("+00:00", "Z"),
            "board": export.board,
            "seq": export.seq,
            "columns": [model.column_out(doc).model_dump(mode="json") for doc in export.columns],
            "cards": [_card_json(doc) for doc in export.cards],
            "comments": [model.comment_out(doc).model_dump(mode="json") for doc in export.comments],
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str).encode()

    @staticmethod
    def to_csv(export: BoardExport) -> bytes:
        titles = {doc["_id"]: doc["title"] for doc in export.columns}
        comments: dict[str, int] = {}
        for doc in export.comments:
            comments[doc["card_id"]] = comments.get(doc["card_id"], 0) + 1
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for doc in export.cards:
            card = _card_json(doc)
            checklist = [item for item in card.get("checklist") or [] if isinstance(item, dict)]
            row = [
                card["id"],
                titles.get(doc["column_id"], ""),
                card["title"],
                card["description"],
                ", ".join(card["labels"]),
                ", ".join(card["assignees"]),
                "" if card.get("due") is None else str(card["due"]),
                "true" if card["archived"] else "false",
                f"{sum(1 for item in checklist if item.get('done'))}/{len(checklist)}" if checklist else "",
                str(comments.get(doc["_id"], 0)),
                card["created_at"],
                card["updated_at"],
            ]
            writer.writerow([neutralise(cell) for cell in row])
        # The BOM tells Excel the file is UTF-8 (Japanese would be mojibake without it).
        return "\ufeff".encode() + out.getvalue().encode()


def _card_json(doc: Doc) -> Doc:
    card: Doc = model.card_out(doc).model_dump(mode="json")
    # Checklists and attachment metadata as cards keep them (issue 15), even where CardOut does not
    # (yet) carry them.
    for name in ("checklist", "attachments", "due_done"):
        if name in doc and name not in card:
            card[name] = doc[name]
    return card
