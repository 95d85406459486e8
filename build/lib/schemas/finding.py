"""Finding cards and moving boards in and out (API.md, "Finding and reminding"): search, export, import."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from schemas.boards import CardOut
from schemas.common import Out, Strict

# A search query: long enough for a sentence, short enough to check against every card quickly.
MAX_QUERY_CHARS = 200
MAX_SEARCH_LIMIT = 100
DEFAULT_SEARCH_LIMIT = 50


class SearchQuery(Strict):
    q: Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY_CHARS)]
    board_id: str | None = None
    label: str | None = None
    assignee: str | None = None
    # Days, both inclusive: a card is due on or before ``due_before`` and on or after ``due_after``.
    due_before: date | None = None
    due_after: date | None = None
    # Absent: open cards only; true: archived cards only; false: open cards only.
    archived: bool | None = None
    limit: int = Field(default=DEFAULT_SEARCH_LIMIT, ge=1, le=MAX_SEARCH_LIMIT)
    cursor: str | None = None


class SearchHit(Out):
    card: CardOut
    board_id: str
    project_id: str
    project_title: str


class SearchPage(Out):
    items: list[SearchHit]
    next_cursor: str | None


class ExportQuery(Strict):
    format: Literal["json", "csv"] = "json"


class ImportResult(Out):
    columns: int
    cards: int
    checklist_items: int
    comments: int
