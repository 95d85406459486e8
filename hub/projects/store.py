"""Storage of projects (collection ``projects``), their board documents (``boards``) and join
requests (``join_requests``). Only the projects package uses these collections directly.

A project keeps its members as one list, ``members: [{user_id, role}]``, replaced whole under a
``version`` guard (nx-27017 cannot $push sub-documents), plus ``member_ids`` for queries.
A join request has ``pending_key`` while it is pending, under a sparse unique index: one pending
request per person and project, without a partial index (which nx-27017 does not enforce).
"""

from __future__ import annotations

import copy
import time
from contextlib import suppress

from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.doc import Doc
from hub.rights import ProjectScope
from hub.storage.marks import ChangeMarks, NoChangeMarks, Reused
from schemas.common import utc_now


def pending_key(project_id: str, user_id: str) -> str:
    return f"{project_id}:{user_id}"


class ProjectStore:
    def __init__(self, db: AsyncDatabase[Doc], *, marks: ChangeMarks | None = None) -> None:
        self.projects = db["projects"]
        self.boards = db["boards"]
        self.join_requests = db["join_requests"]
        # Every request on a board reads its project (who may do what): reused a moment while no
        # change of its members is marked (hub/storage/marks.py).
        self._marks = marks or NoChangeMarks()
        self._reused: Reused[Doc] = Reused(self._marks)

    async def ensure_indexes(self) -> None:
        # No index on member_ids: nx-27017 then stops matching single elements of the array
        # ({"member_ids": id} finds nothing). A town's projects are few; a scan is cheap.
        await self.projects.create_index("visibility")
        await self.boards.create_index("project_id")
        await self.join_requests.create_index("pending_key", unique=True, sparse=True)
        await self.join_requests.create_index("project_id")
        await self.join_requests.create_index("user_id")

    # --- projects ---------------------------------------------------------------------------------

    async def get(self, project_id: str, *, fresh: bool = False) -> Doc | None:
        """The project: as this instance read it less than ``REUSE_S`` ago while no change of it is
        marked, or read now (always when ``fresh``: a writer's read)."""
        read = None if fresh else self._reused.recent(project_id)
        if read is not None and await self._reused.unchanged(f"project:{project_id}"):
            return copy.deepcopy(read)  # callers may change what they are given
        began = time.monotonic()
        doc = await self.projects.find_one({"_id": project_id})
        self._reused.keep(project_id, None if doc is None else copy.deepcopy(doc), read_began=began)
        return doc

    async def board(self, board_id: str) -> Doc | None:
        return await self.boards.find_one({"_id": board_id, "_deleted": {"$ne": True}})

    async def readable(self, scope: ProjectScope) -> list[Doc]:
        query: Doc = (
            {}
            if scope.everything
            else {"$or": [{"visibility": {"$in": list(scope.visibilities)}}, {"member_ids": scope.member_id}]}
        )
        return await self.projects.find(query).sort("created_at", DESCENDING).to_list()

    async def of_member(self, user_id: str) -> list[Doc]:
        return await self.projects.find({"member_ids": user_id}).to_list()

    async def insert_board(self, *, board_id: str, project_id: str, title: str) -> None:
        # _seq/_deleted as if written by the event log at seq 0, so that the boards service can
        # later change this document through the log (its ops are guarded by _seq < seq).
        doc: Doc = {
            "_id": board_id,
            "project_id": project_id,
            "title": title,
            "created_at": utc_now(),
            "_seq": 0,
            "_deleted": False,
        }
        with suppress(DuplicateKeyError):  # made by the first attempt of an idempotent retry
            await self.boards.insert_one(doc)

    async def insert_project(self, doc: Doc) -> None:
        await self.projects.insert_one(doc)

    async def replace_members(self, project_id: str, *, version: int, members: list[Doc]) -> Doc | None:
        """Set the member list if the project is still at ``version``; None when it moved on."""
        after: Doc | None = await self.projects.find_one_and_update(
            {"_id": project_id, "version": version},
            {
                "$set": {
                    "members": members,
                    "member_ids": [member["user_id"] for member in members],
                    "version": version + 1,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        if after is not None:
            self._reused.forget(project_id)
            await self._marks.mark(f"project:{project_id}")
        return after

    # --- join requests ----------------------------------------------------------------------------

    async def join_request(self, request_id: str) -> Doc | None:
        return await self.join_requests.find_one({"_id": request_id})

    async def insert_join_request(self, doc: Doc) -> None:
        await self.join_requests.insert_one(doc)

    async def decide_join_request(self, request: Doc, *, status: str, decided_by: str) -> Doc | None:
        """Move a pending request to ``status``; None when it was no longer pending.

        A conditional whole-document replace: atomic like an update, and it keeps ``decided_at`` a
        date (nx-27017 stores a datetime given to $set as a string). Without ``pending_key`` the
        person may ask again.
        """
        decided = {k: v for k, v in request.items() if k not in ("_id", "pending_key")}
        decided |= {"status": status, "decided_at": utc_now(), "decided_by": decided_by}
        result = await self.join_requests.replace_one({"_id": request["_id"], "status": "pending"}, decided)
        return {"_id": request["_id"], **decided} if result.matched_count else None

    async def join_requests_of(self, project_ids: list[str], *, status: str | None) -> list[Doc]:
        query: Doc = {"project_id": {"$in": project_ids}}
        if status is not None:
            query["status"] = status
        return await self.join_requests.find(query).sort("created_at", DESCENDING).to_list()

    async def latest_requests_by(self, user_id: str, project_ids: list[str]) -> dict[str, Doc]:
        """The newest join request of ``user_id`` for each of these projects."""
        docs = (
            await self.join_requests.find({"user_id": user_id, "project_id": {"$in": project_ids}})
            .sort("created_at", DESCENDING)
            .to_list()
        )
        latest: dict[str, Doc] = {}
        for doc in docs:
            latest.setdefault(doc["project_id"], doc)
        return latest
