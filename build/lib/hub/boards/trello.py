"""Reading Trello's "Export as JSON" (board menu → Print, export and share → Export as JSON).

The file is one board: ``lists`` (``closed``, ``pos``), ``cards`` (``idList``, ``pos``, ``closed``,
``desc``, ``due``, ``dueComplete``, ``labels``), ``checklists`` (``idCard``, ``pos``, ``checkItems``
with ``state`` "complete"/"incomplete"), ``actions`` (comments are ``type: "commentCard"`` with
``data.text``, ``data.card.id``, ``date`` and ``memberCreator.fullName``). Anything else is ignored.

This module only turns that file into a plan (what Dejima will hold, in order), cleaning texts to what
cards accept; hub/boards/importer.py commits the plan. Bad files are a clear 422, never a 500.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.errors import InvalidRequest
from hub.limits import MAX_TEXT_CHARS, MAX_TITLE_CHARS
from schemas.boards import MAX_LABELS

_MAX_LABEL_CHARS = 50
# A card's checklist holds at most this many items (API.md, Cards: checklists).
MAX_CHECKLIST_ITEMS = 100
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass
class PlannedItem:
    text: str
    done: bool


@dataclass
class PlannedComment:
    trello_id: str
    author: str
    at: datetime
    text: str


@dataclass
class PlannedCard:
    trello_id: str
    list_id: str
    title: str
    description: str
    due: date | None
    due_done: bool
    labels: list[str]
    archived: bool
    checklist: list[PlannedItem] = field(default_factory=list)
    comments: list[PlannedComment] = field(default_factory=list)


@dataclass
class PlannedColumn:
    trello_id: str
    title: str
    cards: list[PlannedCard] = field(default_factory=list)


@dataclass
class Plan:
    columns: list[PlannedColumn]
    # Cards whose list is closed: they arrive archived, in no column of the board.
    orphans: list[PlannedCard]

    def cards(self) -> list[PlannedCard]:
        return [card for column in self.columns for card in column.cards] + self.orphans


def one_line(value: Any, *, most: int, fallback: str = "") -> str:
    text = value if isinstance(value, str) else ""
    clean = "".join(" " if _control(char) else char for char in text if char not in _BIDI)
    clean = " ".join(clean.split()) or fallback
    return clean if len(clean) <= most else clean[: most - 1] + "…"


def many_lines(value: Any, *, most: int = MAX_TEXT_CHARS) -> str:
    text = value if isinstance(value, str) else ""
    text = text.replace("\r\n", "\n")
    clean = "".join(char for char in text if char in "\n\t" or not _control(char))
    return clean if len(clean) <= most else clean[: most - 1] + "…"


def _control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs")


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _pos(item: dict[str, Any]) -> float:
    pos = item.get("pos")
    return float(pos) if isinstance(pos, int | float) and not isinstance(pos, bool) else 0.0


def _objects(export: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = export.get(name, [])
    if not isinstance(value, list):
        raise _invalid(name, f"{name} must be a list")
    return [item for item in value if isinstance(item, dict) and isinstance(item.get("id"), str)]


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def plan(export: Any, *, timezone: str) -> Plan:
    """The plan of an export; ``timezone`` turns Trello's due moments into days (cards' ``due``)."""
    if not isinstance(export, dict) or not isinstance(export.get("lists"), list):
        raise _invalid("(body)", "not a Trello board export: it has no lists")
    zone = ZoneInfo(timezone)
    lists = sorted(_objects(export, "lists"), key=_pos)
    columns = {
        item["id"]: PlannedColumn(
            trello_id=item["id"], title=one_line(item.get("name"), most=MAX_TITLE_CHARS, fallback="—")
        )
        for item in lists
        if not item.get("closed")
    }
    closed_lists = {item["id"] for item in lists if item.get("closed")}
    label_names = {
        item["id"]: one_line(item.get("name") or item.get("color"), most=_MAX_LABEL_CHARS)
        for item in _objects(export, "labels")
    }
    cards: dict[str, PlannedCard] = {}
    orphans: list[PlannedCard] = []
    for item in sorted(_objects(export, "cards"), key=_pos):
        list_id = item.get("idList")
        if list_id not in columns and list_id not in closed_lists:
            continue  # a card of a list the file does not hold
        due = _moment(item.get("due"))
        labels: list[str] = []
        for label in item.get("labels") or []:
            if isinstance(label, dict):
                name = one_line(label.get("name") or label.get("color"), most=_MAX_LABEL_CHARS)
            else:
                name = label_names.get(label, "") if isinstance(label, str) else ""
            if name and name not in labels and len(labels) < MAX_LABELS:
                labels.append(name)
        card = PlannedCard(
            trello_id=item["id"],
            list_id=str(list_id),
            title=one_line(item.get("name"), most=MAX_TITLE_CHARS, fallback="—"),
            description=many_lines(item.get("desc")),
            due=None if due is None else due.astimezone(zone).date(),
            due_done=bool(item.get("dueComplete")),
            labels=labels,
            archived=bool(item.get("closed")) or list_id in closed_lists,
        )
        cards[card.trello_id] = card
        if list_id in columns:
            columns[list_id].cards.append(card)
        else:
            orphans.append(card)
    for checklist in sorted(_objects(export, "checklists"), key=_pos):
        owner = cards.get(str(checklist.get("idCard", "")))
        if owner is None:
            continue
        items = [entry for entry in checklist.get("checkItems") or [] if isinstance(entry, dict)]
        for entry in sorted(items, key=_pos):
            if len(owner.checklist) >= MAX_CHECKLIST_ITEMS:
                break
            text = one_line(entry.get("name"), most=MAX_TITLE_CHARS)
            if text:
                owner.checklist.append(PlannedItem(text=text, done=entry.get("state") == "complete"))
    for action in _objects(export, "actions"):
        if action.get("type") != "commentCard":
            continue
        data = _object(action.get("data"))
        commented = cards.get(str(_object(data.get("card")).get("id", "")))
        at = _moment(action.get("date"))
        if commented is None or at is None:
            continue
        member = _object(action.get("memberCreator"))
        author = one_line(member.get("fullName") or member.get("username"), most=100, fallback="Trello")
        commented.comments.append(
            PlannedComment(trello_id=action["id"], author=author, at=at, text=many_lines(data.get("text")))
        )
    for card in cards.values():
        card.comments.sort(key=lambda comment: (comment.at, comment.trello_id))
    return Plan(columns=list(columns.values()), orphans=orphans)


def comment_text(comment: PlannedComment, *, timezone: str) -> str:
    """A Trello comment as a Dejima comment: who wrote it and when, then what they wrote."""
    local = comment.at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    header = f"{comment.author} ({local}, Trello)"
    return many_lines(f"{header}\n{comment.text}") or header


def _invalid(path: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        message, details={"fields": [{"path": path, "message": message, "type": "value_error"}]}
    )
