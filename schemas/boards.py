"""Live boards on the wire (API.md, Live boards): columns, cards, comments, history, request bodies."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator

from hub.limits import MAX_YEAR, MIN_YEAR
from schemas.common import Out, Strict, UtcDatetime
from schemas.events import Actor
from schemas.text import Id, RequiredText, Text, Title, single_line

# A label is a short tag ("要確認", "urgent"); twenty of them fill a card's edge.
_MAX_LABEL_CHARS = 50
MAX_ASSIGNEES = 20
MAX_LABELS = 20


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat an item")
    return values


Label = Annotated[
    str, StringConstraints(min_length=1, max_length=_MAX_LABEL_CHARS), AfterValidator(single_line)
]
Assignees = Annotated[list[Id], Field(max_length=MAX_ASSIGNEES), AfterValidator(_unique)]
Labels = Annotated[list[Label], Field(max_length=MAX_LABELS), AfterValidator(_unique)]
Version = Annotated[int, Field(ge=1, strict=True)]

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _due(value: str) -> str:
    """A date (``2026-12-01``: the end of that day in DEJIMA_TIMEZONE) or an RFC 3339 date-time
    (without an offset: in DEJIMA_TIMEZONE). Kept as given, so that a card gives it back so."""
    try:
        moment: date = date.fromisoformat(value) if _DATE_ONLY.match(value) else datetime.fromisoformat(value)
    except ValueError as error:
        raise ValueError("must be a date (2026-12-01) or a date-time (2026-12-01T17:00:00+09:00)") from error
    if _DATE_ONLY.match(value) is None and "T" not in value.upper():
        raise ValueError("a date-time needs a 'T' between the date and the time")
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(f"must lie within the years {MIN_YEAR} to {MAX_YEAR}")
    return value


# ``due`` as a request gives it (API.md, Finding and reminding); 40 characters hold any RFC 3339 form.
Due = Annotated[str, StringConstraints(min_length=10, max_length=40), AfterValidator(_due)]


# --- responses ------------------------------------------------------------------------------------


class ChecklistItemOut(Out):
    id: str
    text: str
    done: bool
    position: str


class AttachmentOut(Out):
    id: str
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: UtcDatetime
    created_by: str


class CardOut(Out):
    id: str
    board_id: str
    column_id: str
    title: str
    description: str
    assignees: list[str]
    labels: list[str]
    # As it was given: a date, or a date-time (API.md, Finding and reminding).
    due: str | None
    position: str
    version: int
    archived: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime
    # Who is told of its comments, moves, due changes and archiving (its own followers; the
    # followers of its board are told too).
    followers: list[str] = Field(default_factory=list)
    # API.md 1.1, "Cards: checklists, attachments": in display order, and newest first.
    checklist: list[ChecklistItemOut] = Field(default_factory=list)
    attachments: list[AttachmentOut] = Field(default_factory=list)
    due_done: bool = False


class ColumnOut(Out):
    id: str
    board_id: str
    title: str
    position: str
    version: int


class ColumnWithCards(ColumnOut):
    cards: list[CardOut]


class BoardOut(Out):
    id: str
    project_id: str
    title: str
    seq: int
    columns: list[ColumnWithCards]


class CommentOut(Out):
    id: str
    card_id: str
    board_id: str
    author: Actor
    body: str
    mentions: list[str]
    created_at: UtcDatetime


class FieldChange(Out):
    model_config = ConfigDict(extra="ignore", serialize_by_alias=True, populate_by_name=True)

    before: Any = Field(serialization_alias="from")
    after: Any = Field(serialization_alias="to")


class HistoryEntry(Out):
    seq: int
    event: str
    actor: Actor | None
    at: UtcDatetime
    changes: dict[str, FieldChange]
    comment_id: str | None = None


# --- request bodies -------------------------------------------------------------------------------


class ColumnCreate(Strict):
    title: Title
    after: Id | None = None


class ColumnPatch(Strict):
    version: Version
    title: Title | None = None

    @model_validator(mode="after")
    def _no_null_title(self) -> ColumnPatch:
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("title may be changed but not set to null")
        return self


class ColumnMove(Strict):
    after: Id | None = None
    version: Version | None = None


class CardCreate(Strict):
    column_id: Id
    title: Title
    description: Text = ""
    assignees: Assignees = Field(default_factory=list)
    labels: Labels = Field(default_factory=list)
    due: Due | None = None
    after: Id | None = None


class CardPatch(Strict):
    version: Version
    title: Title | None = None
    description: Text | None = None
    assignees: Assignees | None = None
    labels: Labels | None = None
    due: Due | None = None
    due_done: bool | None = None

    @model_validator(mode="after")
    def _no_null_text(self) -> CardPatch:
        for name in ("title", "description", "assignees", "labels", "due_done"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} may be changed but not set to null")
        return self


class CardMove(Strict):
    column_id: Id
    after: Id | None = None
    version: Version | None = None


class CardVersion(Strict):
    """Archive and restore: ``version`` is optional, checked when given."""

    version: Version | None = None


class CommentCreate(Strict):
    body: RequiredText


class ChecklistItemCreate(Strict):
    """``after`` absent: at the end; ``null``: at the top; an item's id: right after it."""

    text: Title
    after: Id | None = None


class ChecklistItemPatch(Strict):
    """Each field is changed only when given; ``after`` moves the item (``null``: to the top)."""

    text: Title | None = None
    done: bool | None = None
    after: Id | None = None

    @model_validator(mode="after")
    def _no_null_fields(self) -> ChecklistItemPatch:
        for name in ("text", "done"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} may be changed but not set to null")
        return self


class AttachmentUpload(Strict):
    """The body of ``POST /api/cards/{id}/attachments`` as OpenAPI describes it: multipart/form-data
    with one part named ``file`` (the view streams it; this model is never parsed)."""

    file: bytes


class BoardFollowOut(Out):
    """Whether the caller follows every card of a board."""

    following: bool
