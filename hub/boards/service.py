"""Live boards: the board's snapshot, and what columns, cards and comments share (the rights on a
board, committing to the event log of ``board:{id}``, the checks of a ``decide``).

Design note: docs/boards.md. Every change is one ``EventLog.commit``: ``decide`` reads the state as of
the channel's head, checks versions and neighbours, and returns the event (``data``: the whole
resource after the change) with Put ops of the resource (and, for cards, of its history entry).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from hub.boards import model
from hub.boards.access import BoardDirectory, BoardInfo
from hub.boards.model import channel_of
from hub.boards.snapshot import BoardSnapshot
from hub.boards.store import BoardStore
from hub.doc import Doc
from hub.errors import Conflict, InvalidRequest, NotFound
from hub.events.log import Decide, EventLog, Unchanged
from hub.principal import Principal
from hub.rights import ProjectAccess, Rights
from schemas.boards import CardOut
from schemas.events import Event


class BoardService:
    """A board as its readers and writers meet it: the snapshot, the rights on a board or card, and
    the commit of a change to ``board:{id}``. What is stored, and every look-up, is the store's
    (hub/boards/store.py)."""

    def __init__(
        self,
        *,
        store: BoardStore,
        events: EventLog,
        rights: Rights,
        directory: BoardDirectory,
    ) -> None:
        self._store = store
        self._events = events
        self._rights = rights
        self._directory = directory

    # --- reading ----------------------------------------------------------------------------------

    async def snapshot(self, principal: Principal, board_id: str) -> BoardSnapshot:
        access = await self._directory.access_for_board(board_id)
        self._rights.require_read_project(principal, access)
        board = await self._directory.board(board_id)
        state, seq = await self._events.read(
            channel_of(board_id), lambda: self._store.compact_state(board_id)
        )
        return BoardSnapshot(
            id=board.id, project_id=board.project_id, title=board.title, seq=seq, state=state
        )

    async def board_info(self, principal: Principal, board_id: str) -> BoardInfo:
        """The board (id, project, title), when the caller may read it."""
        access = await self._directory.access_for_board(board_id)
        self._rights.require_read_project(principal, access)
        return await self._directory.board(board_id)

    async def archived_cards(self, principal: Principal, board_id: str) -> list[CardOut]:
        access = await self._directory.access_for_board(board_id)
        self._rights.require_read_project(principal, access)
        await self._events.catch_up(channel_of(board_id))
        return [model.card_out(doc) for doc in await self._store.archived_cards(board_id)]

    async def card(self, principal: Principal, card_id: str) -> CardOut:
        doc = await self.card_for_reading(principal, card_id)
        await self._events.catch_up(channel_of(doc["board_id"]))
        return model.card_out(await self._store.live_card(card_id))

    async def card_for_reading(self, principal: Principal, card_id: str) -> Doc:
        """The card, when the caller may read its board (else ``NotFound``)."""
        doc = await self._store.card(card_id)
        if doc is None:
            raise NotFound("no such card")
        access = await self._directory.access_for_board(doc["board_id"])
        if not self._rights.may_read_project(principal, access):
            raise NotFound("no such card")
        return doc

    async def card_for_change(self, principal: Principal, card_id: str) -> Doc:
        """The card, when the caller may change its board (``NotFound`` if they may not read it)."""
        doc = await self._store.card(card_id)
        if doc is None:
            raise NotFound("no such card")
        access = await self._directory.access_for_board(doc["board_id"])
        if not self._rights.may_read_project(principal, access):
            raise NotFound("no such card")
        self._rights.require_change_board(principal, access)
        return doc

    async def column_board_for_change(self, principal: Principal, column_id: str) -> str:
        """The board of the column, when the caller may change it (``NotFound`` if they may not
        read it)."""
        doc = await self._store.column(column_id)
        if doc is None:
            raise NotFound("no such column")
        access = await self._directory.access_for_board(doc["board_id"])
        if not self._rights.may_read_project(principal, access):
            raise NotFound("no such column")
        self._rights.require_change_board(principal, access)
        return str(doc["board_id"])

    # --- changing ---------------------------------------------------------------------------------

    async def access(self, board_id: str) -> ProjectAccess:
        return await self._directory.access_for_board(board_id)

    async def may_read(self, principal: Principal, board_id: str) -> bool:
        try:
            access = await self._directory.access_for_board(board_id)
        except NotFound:
            return False
        return self._rights.may_read_project(principal, access)

    async def info(self, board_id: str) -> BoardInfo:
        return await self._directory.board(board_id)

    async def require_read(self, principal: Principal, board_id: str) -> ProjectAccess:
        access = await self._directory.access_for_board(board_id)
        self._rights.require_read_project(principal, access)
        return access

    async def system_commit(self, board_id: str, decide: Decide) -> Event | Unchanged:
        """A change of the board that nobody made (a due reminder): no actor."""
        return await self._events.commit(channel_of(board_id), decide, actor=None)

    async def require_change(self, principal: Principal, board_id: str) -> ProjectAccess:
        access = await self._directory.access_for_board(board_id)
        self._rights.require_change_board(principal, access)
        return access

    async def commit(
        self, board_id: str, decide: Decide, principal: Principal, *, grouped: bool = False
    ) -> Event | Unchanged:
        """Commit a change of the board: one event of ``board:{id}`` (writers take turns, injected
        into the log: hub/events/turns.py). ``grouped``: ``decide`` reads through the log's
        ``staged`` documents, so the change may be logged in a group (hub/events/log.py)."""
        return await self._events.commit(channel_of(board_id), decide, actor=principal.actor, grouped=grouped)


async def nothing() -> None:
    """A read that has nothing to read (no ``after`` card given)."""
    return None


async def reads(*aws: Awaitable[Any], first: Callable[[Any], None] | None = None) -> list[Any]:
    """Run a decide's independent reads at once, and raise as if they had run one after another:
    the first read's error first (then ``first``, a check of the first read's result), and so on."""
    results = await asyncio.gather(*aws, return_exceptions=True)
    for index, result in enumerate(results):
        if isinstance(result, BaseException):
            raise result
        if index == 0 and first is not None:
            first(result)
    return results


def check_version(current: Doc, version: int, out: Callable[[Doc], Any]) -> None:
    if current["version"] != version:
        raise Conflict(
            f"changed meanwhile: version {version} is stale, the current one is {current['version']}",
            extra={"current": out(current).model_dump(mode="json")},
        )


def check_not_archived(current: Doc) -> None:
    if current.get("archived"):
        raise Conflict(
            "the card is archived: restore it first",
            extra={"current": model.card_out(current).model_dump(mode="json")},
        )


def invalid(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        message, details={"fields": [{"path": field, "message": message, "type": "value_error"}]}
    )
