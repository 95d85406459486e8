"""What boards need to know of the project a board belongs to, asked of whoever owns projects.

The board service takes a ``BoardDirectory`` so that it never reads the projects' collections itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from hub.errors import NotFound
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


class StoredBoards:
    """Until projects exist: boards and projects read as stored ({members: {user_id: role}})."""

    def __init__(self, db: Any) -> None:
        self._db = db

    async def board(self, board_id: str) -> BoardInfo:
        doc = await self._db["boards"].find_one({"_id": board_id})
        if doc is None:
            raise NotFound("no such board")
        return BoardInfo(id=doc["_id"], project_id=doc["project_id"], title=doc["title"])

    async def access_for_board(self, board_id: str) -> ProjectAccess:
        board = await self.board(board_id)
        project = await self._db["projects"].find_one({"_id": board.project_id})
        if project is None:
            raise NotFound("no such board")
        return ProjectAccess(
            id=project["_id"],
            visibility=project["visibility"],
            members=dict(project.get("members", {})),
            board_id=board_id,
        )
