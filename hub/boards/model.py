"""How boards are stored: the documents of columns, cards, comments and history, and their wire shapes.

Every document here is written only through ops of ``board:{id}`` events (hub/events/log.py), so each
carries ``_seq`` (the event that wrote it last) and ``_deleted`` (a tombstone; filtered from reads).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from schemas.boards import CardOut, ColumnOut, CommentOut
from schemas.common import utc_now

Doc = dict[str, Any]

COLUMNS = "board_columns"
CARDS = "cards"
COMMENTS = "card_comments"
HISTORY = "card_history"


def stamp() -> str:
    """Now, as cards and columns store their times: an RFC 3339 string (UTC, milliseconds).

    Not a BSON datetime: nx-27017 turns a datetime that ``$set`` writes into an existing document
    into a string, and the event log writes every change with ``$set``; one type keeps sorts right.
    """
    now = utc_now()
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def channel_of(board_id: str) -> str:
    return f"board:{board_id}"


async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
    await db[COLUMNS].create_index([("board_id", ASCENDING)])
    await db[CARDS].create_index([("board_id", ASCENDING)])
    # A single-field index too: nx-27017's planner (SQLite) does not always pick the compound ones.
    await db[CARDS].create_index([("column_id", ASCENDING)])
    await db[CARDS].create_index([("column_id", ASCENDING), ("position", ASCENDING)])
    await db[CARDS].create_index([("column_id", ASCENDING), ("placed_at", DESCENDING)])
    await db[COMMENTS].create_index([("card_id", ASCENDING), ("created_at", ASCENDING)])
    await db[HISTORY].create_index([("card_id", ASCENDING), ("_seq", ASCENDING)])
    await db[HISTORY].create_index([("at", ASCENDING)])


def live(doc: Doc | None) -> Doc | None:
    """The document unless it is missing or a tombstone."""
    if doc is None or doc.get("_deleted"):
        return None
    return doc


def card_out(doc: Doc) -> CardOut:
    due = doc.get("due")
    return CardOut(
        id=doc["_id"],
        board_id=doc["board_id"],
        column_id=doc["column_id"],
        title=doc["title"],
        description=doc.get("description", ""),
        assignees=list(doc.get("assignees", [])),
        labels=list(doc.get("labels", [])),
        due=None if due is None else date.fromisoformat(due),
        position=doc["position"],
        version=doc["version"],
        archived=bool(doc.get("archived", False)),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


def column_out(doc: Doc) -> ColumnOut:
    return ColumnOut(
        id=doc["_id"],
        board_id=doc["board_id"],
        title=doc["title"],
        position=doc["position"],
        version=doc["version"],
    )


def comment_out(doc: Doc) -> CommentOut:
    return CommentOut(
        id=doc["_id"],
        card_id=doc["card_id"],
        board_id=doc["board_id"],
        author=doc["author"],
        body=doc["body"],
        mentions=list(doc.get("mentions", [])),
        created_at=doc["created_at"],
    )


def stored(doc: Doc) -> Doc:
    """A document as an op writes it: without the log's own bookkeeping fields."""
    return {k: v for k, v in doc.items() if k not in ("_seq", "_deleted")}


def card_fields(doc: Doc) -> Doc:
    """The fields of a card that history compares, JSON-ready."""
    out = card_out(doc).model_dump(mode="json")
    return {k: v for k, v in out.items() if k not in ("id", "board_id", "created_at", "updated_at")}


def diff(before: Doc | None, after: Doc) -> dict[str, dict[str, Any]]:
    """Field-level changes, as history keeps them: ``{field: {"from": old, "to": new}}``."""
    changes: dict[str, dict[str, Any]] = {}
    for name, value in after.items():
        old = None if before is None else before.get(name)
        if before is None or old != value:
            changes[name] = {"from": old, "to": value}
    return changes
