"""Search across every board the caller may read (API.md, "Finding and reminding").

The texts come from ``SearchIndex`` (hub/boards/search_index.py: in memory, kept in step with the
log); this module decides who sees what, filters, orders newest change first and pages with a cursor
that names the last card shown, so a card changed while someone pages moves to the front and is never
shown twice (docs/boards.md, "Search").
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import heapq
import json
from datetime import UTC, datetime
from itertools import islice

from hub.boards.search_index import Entry, SearchIndex, normalise, order_key
from hub.errors import InvalidRequest, NotFound
from hub.principal import Principal
from hub.projects.service import ProjectService
from schemas.finding import SearchHit, SearchPage, SearchQuery


class SearchService:
    def __init__(self, *, index: SearchIndex, projects: ProjectService) -> None:
        self._index = index
        self._projects = projects

    async def search(self, principal: Principal, query: SearchQuery) -> SearchPage:
        # Words apart are each looked for (in any of the card's texts); one word, any part of a text.
        terms = normalise(query.q).split()
        if not terms:
            raise _invalid("q", "say what to look for")
        after = _decode_cursor(query.cursor) if query.cursor else None
        # The caller's boards and the marks of the boards held here, at once (one round trip less).
        readable, marks = await asyncio.gather(
            self._projects.readable_boards(principal), self._index.known_marks()
        )
        if query.board_id is not None:
            readable = [row for row in readable if row[0] == query.board_id]
            if not readable:
                raise NotFound("no such board")
        projects = {board_id: (project_id, title) for board_id, project_id, title in readable}
        boards = await self._index.boards(list(projects), marks=marks)
        archived = bool(query.archived)
        due_after = None if query.due_after is None else query.due_after.isoformat()
        due_before = None if query.due_before is None else query.due_before.isoformat()

        def wanted(entry: Entry) -> bool:
            doc = entry.doc
            if bool(doc.get("archived")) != archived:
                return False
            if query.label is not None and query.label not in doc.get("labels", []):
                return False
            if query.assignee is not None and query.assignee not in doc.get("assignees", []):
                return False
            if due_after is not None or due_before is not None:
                # The day of ``due`` (a date, or the date part of a date-time) is what is compared.
                due = doc.get("due")
                if not isinstance(due, str):
                    return False
                day = due[:10]
                if (due_after is not None and day < due_after) or (
                    due_before is not None and day > due_before
                ):
                    return False
            return True

        # The texts first (each board's cards found newest first, lazily, merged across boards),
        # then the filters on the cards found only, until the page is full.
        found = heapq.merge(
            *(texts.matching(terms, before=after) for texts in boards), key=order_key, reverse=True
        )
        page = list(islice((entry for entry in found if wanted(entry)), query.limit + 1))
        more = len(page) > query.limit
        page = page[: query.limit]
        items = []
        for entry in page:
            board_id = entry.doc["board_id"]
            project_id, project_title = projects[board_id]
            items.append(
                SearchHit(
                    card=entry.card(),
                    board_id=board_id,
                    project_id=project_id,
                    project_title=project_title,
                )
            )
        next_cursor = _encode_cursor(page[-1]) if more and page else None
        return SearchPage(items=items, next_cursor=next_cursor)


def _encode_cursor(entry: Entry) -> str:
    raw = json.dumps([entry.changed.astimezone(UTC).isoformat(), entry.doc["_id"]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, card_id = json.loads(raw)
        changed = datetime.fromisoformat(at)
        if not isinstance(card_id, str) or changed.tzinfo is None:
            raise ValueError("not a cursor")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _invalid("cursor", "not a cursor this search gave") from None
    return changed, card_id


def _invalid(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        message, details={"fields": [{"path": field, "message": message, "type": "value_error"}]}
    )
