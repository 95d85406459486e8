"""How boards are stored: the documents of columns, cards, comments and history, and their wire shapes.

Every document here is written only through ops of ``board:{id}`` events (hub/events/log.py), so each
carries ``_seq`` (the event that wrote it last) and ``_deleted`` (a tombstone; filtered from reads).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.doc import Doc
from schemas.boards import AttachmentOut, CardOut, ChecklistItemOut, ColumnOut, CommentOut
from schemas.common import utc_now

COLUMNS = "board_columns"
CARDS = "cards"
COMMENTS = "card_comments"
HISTORY = "card_history"
# Card attachments: a GridFS bucket (``attachments.files`` and ``attachments.chunks``), and the marks
# of uploads and deletions in progress, which the sweeper finishes when their process died.
ATTACHMENT_BUCKET = "attachments"
ATTACHMENT_MARKS = "attachment_marks"
# Which card holds a checklist item or an attachment, by the item's id: ``{_id, card_id, board_id,
# kind}``, written by the same event that adds (Put) or removes (Delete) it. A query on
# ``checklist.id`` would need a multikey index, which nx-27017 does not keep (it finds nothing).
CARD_PARTS = "card_parts"


def part(item_id: str, card: Doc, kind: str) -> Doc:
    return {"_id": item_id, "card_id": card["_id"], "board_id": card["board_id"], "kind": kind}


# Who follows a whole board (every card of it): ``{_id: "{board_id}:{user_id}", board_id, user_id}``.
BOARD_FOLLOWERS = "board_followers"
# The next due reminder of each card with a due (hub/boards/reminders.py).
DUE_REMINDERS = "due_reminders"
# Finished imports of other tools' boards (hub/boards/importer.py), written by ``board.imported``.
IMPORTS = "board_imports"
# Data migrations already complete (their ids), so that a start skips them.
MIGRATIONS = "migrations"


def stamp() -> datetime:
    """Now, as boards store their times: a UTC datetime at milliseconds (what MongoDB keeps), like
    comments and history. The event log writes whole documents (never ``$set``), so nx-27017 keeps
    them datetimes (docs/storage.md)."""
    now = utc_now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


# Cards and columns written before their times were datetimes hold RFC 3339 strings.
_TIME_FIELDS = ("created_at", "updated_at", "placed_at")
_TIMES_MIGRATION = "board-times-as-datetimes"


async def migrate_times(db: AsyncDatabase[Doc]) -> int:
    """Turn the string times of cards and columns into datetimes; → how many documents changed.

    Run at every start (``ensure_indexes``) and idempotent: a document without a string time is left
    alone, and once a full pass found nothing left the marker in ``migrations`` skips the scan. A
    document is replaced only at the ``_seq`` it was read at, so a change logged meanwhile (which
    writes datetimes already) is never undone.
    """
    if await db[MIGRATIONS].find_one({"_id": _TIMES_MIGRATION}) is not None:
        return 0
    changed = 0
    for name in (CARDS, COLUMNS):
        async for doc in db[name].find({"_deleted": False}):
            strings = {f: doc[f] for f in _TIME_FIELDS if isinstance(doc.get(f), str)}
            if not strings:
                continue
            fixed = {
                **doc,
                **{f: datetime.fromisoformat(v.replace("Z", "+00:00")) for f, v in strings.items()},
            }
            result = await db[name].replace_one({"_id": doc["_id"], "_seq": doc.get("_seq")}, fixed)
            changed += result.modified_count
    if changed == 0:
        await db[MIGRATIONS].update_one({"_id": _TIMES_MIGRATION}, {"$set": {"done": True}}, upsert=True)
    return changed


def placed_at(doc: Doc) -> datetime:
    """When the card was placed, for comparing: a string time (from before times were datetimes,
    until ``migrate_times`` ran over it) read as the datetime it names."""
    value = doc["placed_at"]
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value


def channel_of(board_id: str) -> str:
    return f"board:{board_id}"


async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
    await db[COLUMNS].create_index([("board_id", ASCENDING)])
    await db[CARDS].create_index([("board_id", ASCENDING)])
    # A single-field index too: nx-27017's planner (SQLite) does not always pick the compound ones.
    await db[CARDS].create_index([("column_id", ASCENDING)])
    await db[CARDS].create_index([("column_id", ASCENDING), ("position", ASCENDING)])
    await db[CARDS].create_index([("column_id", ASCENDING), ("placed_at", DESCENDING)])
    await db[ATTACHMENT_MARKS].create_index([("since", ASCENDING)])
    await db[COMMENTS].create_index([("card_id", ASCENDING), ("created_at", ASCENDING)])
    # A board's comments at once: search loading a board's texts, the export.
    await db[COMMENTS].create_index([("board_id", ASCENDING)])
    await db[HISTORY].create_index([("card_id", ASCENDING), ("_seq", ASCENDING)])
    await db[HISTORY].create_index([("at", ASCENDING)])
    await db[BOARD_FOLLOWERS].create_index([("board_id", ASCENDING)])
    await db[BOARD_FOLLOWERS].create_index([("user_id", ASCENDING)])
    # The reminder sweep reads only the reminders whose moment has come: a range of this index.
    await db[DUE_REMINDERS].create_index([("at_ms", ASCENDING)])


def live(doc: Doc | None) -> Doc | None:
    """The document unless it is missing or a tombstone."""
    if doc is None or doc.get("_deleted"):
        return None
    return doc


def card_out(doc: Doc) -> CardOut:
    due = doc.get("due")
    if isinstance(due, date):  # a card stored before due took date-times
        due = due.isoformat()
    return CardOut(
        id=doc["_id"],
        board_id=doc["board_id"],
        column_id=doc["column_id"],
        title=doc["title"],
        description=doc.get("description", ""),
        assignees=list(doc.get("assignees", [])),
        labels=list(doc.get("labels", [])),
        due=due,
        position=doc["position"],
        version=doc["version"],
        archived=bool(doc.get("archived", False)),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        checklist=[ChecklistItemOut.model_validate(item) for item in checklist_of(doc)],
        attachments=[AttachmentOut.model_validate(item) for item in doc.get("attachments", [])],
        due_done=bool(doc.get("due_done", False)),
        followers=list(doc.get("followers", [])),
    )


def checklist_of(doc: Doc) -> list[Doc]:
    """The card's checklist in display order (stored in any order; positions are unique)."""
    return sorted(doc.get("checklist", []), key=lambda item: (item["position"], item["id"]))


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
    # Following is not an edit of the card: history leaves it out.
    skip = ("id", "board_id", "created_at", "updated_at", "followers")
    return {k: v for k, v in out.items() if k not in skip}


def diff(before: Doc | None, after: Doc) -> dict[str, dict[str, Any]]:
    """Field-level changes, as history keeps them: ``{field: {"from": old, "to": new}}``."""
    changes: dict[str, dict[str, Any]] = {}
    for name, value in after.items():
        old = None if before is None else before.get(name)
        if before is None or old != value:
            changes[name] = {"from": old, "to": value}
    return changes
