"""What boards need to know of the project a board belongs to, asked of whoever owns projects.

The board service takes a ``BoardDirectory`` so that it never reads the projects' collections itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hub.errors import NotFound
from hub.projects.service import ProjectService
from hub.projects.store import ProjectStore
from hub.rights import ProjectAccess


@dataclass(frozen=True, slots=True)
class BoardInfo:
    id: str
    project_id: str
    title: str


class BoardDirectory(Protocol):
    async def board(self, board_id: str) -> BoardInfo:
        """The board, or ``NotFound``."""
        ...

    async def access_for_board(self, board_id: str) -> ProjectAccess:
        """The project of the board as the rules see it, or ``NotFound``."""
        ...


class ProjectBoards:
    """The directory as the projects package answers it."""

    def __init__(self, *, projects: ProjectService, store: ProjectStore) -> None:
        self._projects = projects
        self._store = store

    async def board(self, board_id: str) -> BoardInfo:
        doc = await self._store.board(board_id)
        if doc is None:
            raise NotFound("no such board")
        return BoardInfo(id=doc["_id"], project_id=doc["project_id"], title=doc["title"])

    async def access_for_board(self, board_id: str) -> ProjectAccess:
        return await self._projects.access_for_board(board_id)
