"""Projects: create, list, read, and who is in them (API.md, Projects).

Every right is asked of ``hub.rights``; this module loads a project once as a ``ProjectAccess`` and
asks. Other packages use ``access`` / ``access_for_board`` / ``readable_project_ids`` and never read
the ``projects`` collection themselves.

Membership changes are announced on the Redis channel ``dejima:rights`` (the project id as the
message), so that every hub instance re-checks the board subscriptions of that project's sockets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pymongo.errors import DuplicateKeyError

from hub.doc import Doc
from hub.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unavailable
from hub.events.bus import RightsNews
from hub.identity.audit import AuditLog
from hub.identity.users import UserStore
from hub.ids import idempotent_id
from hub.limits import COMMIT_MAX_ATTEMPTS
from hub.principal import Principal
from hub.projects.store import ProjectStore
from hub.rights import ProjectAccess, Rights
from schemas.common import utc_now
from schemas.projects import MemberIn, MemberOut, MyJoinRequest, ProjectCreate, ProjectOut, ProjectRole

log = logging.getLogger(__name__)

# Boards whose project a process remembers: every board in use, a few bytes each.
_BOARDS_REMEMBERED = 10_000

RIGHTS_CHANNEL = "dejima:rights"
Members = list[Doc]


def to_access(doc: Doc) -> ProjectAccess:
    return ProjectAccess(
        id=doc["_id"],
        visibility=doc["visibility"],
        members={member["user_id"]: member["role"] for member in doc["members"]},
        board_id=doc["board_id"],
    )


class ProjectService:
    def __init__(
        self,
        *,
        store: ProjectStore,
        users: UserStore,
        rights: Rights,
        audit: AuditLog,
        rights_news: RightsNews,
    ) -> None:
        self._store = store
        self._users = users
        self._rights = rights
        self._audit = audit
        self._rights_news = rights_news
        # board id → its project id (see ``access_for_board``).
        self._project_of_board: dict[str, str] = {}

    # --- for other packages -----------------------------------------------------------------------

    async def access(self, project_id: str) -> ProjectAccess:
        doc = await self._store.get(project_id)
        if doc is None:
            raise NotFound("no such project")
        return to_access(doc)

    async def access_for_board(self, board_id: str) -> ProjectAccess:
        # A board belongs to its project for good (boards are neither moved nor deleted on their
        # own), so which project is remembered; who may do what in it is read every time.
        project_id = self._project_of_board.get(board_id)
        if project_id is None:
            board = await self._store.board(board_id)
            if board is None:
                raise NotFound("no such board")
            project_id = board["project_id"]
            if len(self._project_of_board) >= _BOARDS_REMEMBERED:
                del self._project_of_board[next(iter(self._project_of_board))]
            self._project_of_board[board_id] = project_id
        try:
            return await self.access(project_id)
        except NotFound:
            raise NotFound("no such board") from None

    async def readable_project_ids(self, principal: Principal) -> list[str]:
        return [doc["_id"] for doc in await self._store.readable(self._rights.readable_projects(principal))]

    async def readable_boards(self, principal: Principal) -> list[tuple[str, str, str]]:
        """``(board_id, project_id, project_title)`` of every project the caller may read (search)."""
        docs = await self._store.readable(self._rights.readable_projects(principal))
        return [(doc["board_id"], doc["_id"], doc["title"]) for doc in docs]

    # --- projects ---------------------------------------------------------------------------------

    async def create(
        self, principal: Principal, body: ProjectCreate, *, key: str | None, address: str | None
    ) -> ProjectOut:
        if not self._rights.may_create_project(principal):
            raise Forbidden("only the DX office may create projects")
        project_id = idempotent_id(caller_id=principal.id, scope="projects", key=key)
        existing = await self._store.get(project_id)
        if existing is not None:
            return await self._render(principal, existing)
        board_id = idempotent_id(caller_id=principal.id, scope="projects.board", key=key)
        # The board first: a project is never seen without its board, even after a crash here.
        await self._store.insert_board(board_id=board_id, project_id=project_id, title=body.title)
        doc: Doc = {
            "_id": project_id,
            "title": body.title,
            "summary": body.summary,
            "visibility": body.visibility,
            "board_id": board_id,
            "members": [{"user_id": principal.id, "role": "owner"}],
            "member_ids": [principal.id],
            "version": 1,
            "created_at": utc_now(),
            "created_by": principal.id,
        }
        try:
            await self._store.insert_project(doc)
        except DuplicateKeyError:
            # The same key raced with itself: answer what the other attempt stored.
            raced = await self._store.get(project_id)
            if raced is None:
                raise
            return await self._render(principal, raced)
        await self._audit.record(
            "project.created",
            actor=principal.actor,
            address=address,
            subject_id=project_id,
            data={"visibility": body.visibility, "title": body.title},
        )
        return await self._render(principal, doc)

    async def list_readable(self, principal: Principal) -> list[ProjectOut]:
        docs = await self._store.readable(self._rights.readable_projects(principal))
        return await self._render_many(principal, docs)

    async def get(self, principal: Principal, project_id: str) -> ProjectOut:
        doc = await self._readable_doc(principal, project_id)
        return await self._render(principal, doc)

    async def _readable_doc(self, principal: Principal, project_id: str) -> Doc:
        doc = await self._store.get(project_id)
        if doc is None:
            raise NotFound("no such project")
        self._rights.require_read_project(principal, to_access(doc))
        return doc

    # --- members ----------------------------------------------------------------------------------

    async def set_member(
        self, principal: Principal, project_id: str, body: MemberIn, *, address: str | None
    ) -> tuple[ProjectOut, bool]:
        """Add a member or change their role; True when they were not a member before."""
        doc = await self._readable_doc(principal, project_id)
        self._rights.require_administer_project(principal, to_access(doc))
        user = await self._users.get(body.user_id)
        if user is None or user.get("disabled"):
            raise _invalid("user_id", "no such user")
        if not self._rights.may_be_project_member(user["role"]):
            raise _invalid("user_id", "kiosk accounts cannot be project members")
        before, after = await self._change_members(
            project_id, body.user_id, lambda m: _with_role(m, body.user_id, body.role)
        )
        await self._membership_changed(
            principal, after, user_id=body.user_id, before=before, after=body.role, address=address
        )
        return await self._render(principal, after), before is None

    async def remove_member(
        self, principal: Principal, project_id: str, user_id: str, *, address: str | None
    ) -> ProjectOut:
        doc = await self._readable_doc(principal, project_id)
        self._rights.require_administer_project(principal, to_access(doc))
        before, after = await self._change_members(project_id, user_id, lambda m: _without(m, user_id))
        if before is None:
            raise NotFound("no such member")
        await self._membership_changed(
            principal, after, user_id=user_id, before=before, after=None, address=address
        )
        return await self._render(principal, after)

    async def grant_at_least(
        self, principal: Principal, project_id: str, *, user_id: str, role: ProjectRole, address: str | None
    ) -> None:
        """Give ``user_id`` ``role`` unless they hold a stronger one (a join approval)."""
        before, after = await self._change_members(
            project_id, user_id, lambda m: _with_at_least(m, user_id, role)
        )
        now = to_access(after).role_of(user_id)
        await self._membership_changed(
            principal, after, user_id=user_id, before=before, after=now, address=address
        )

    async def _change_members(
        self, project_id: str, user_id: str, change: Callable[[Members], Members]
    ) -> tuple[ProjectRole | None, Doc]:
        """Apply ``change`` to the member list under the project's version guard.

        Returns the role ``user_id`` had before (None: not a member) and the project after.
        """
        for _ in range(COMMIT_MAX_ATTEMPTS):
            doc = await self._store.get(project_id, fresh=True)
            if doc is None:
                raise NotFound("no such project")
            before = to_access(doc).role_of(user_id)
            members = change(list(doc["members"]))
            if not any(member["role"] == "owner" for member in members):
                raise Conflict("a project keeps at least one owner")
            if members == doc["members"]:
                return before, doc
            after = await self._store.replace_members(project_id, version=doc["version"], members=members)
            if after is not None:
                return before, after
        raise Unavailable("too many concurrent changes to this project's members; try again")

    async def _membership_changed(
        self,
        principal: Principal | None,
        project: Doc,
        *,
        user_id: str,
        before: ProjectRole | None,
        after: ProjectRole | None,
        address: str | None,
    ) -> None:
        if before == after:
            return
        if before is None:
            action = "project.member_added"
        elif after is None:
            action = "project.member_removed"
        else:
            action = "project.member_role_changed"
        await self._audit.record(
            action,
            actor=None if principal is None else principal.actor,
            address=address,
            subject_id=project["_id"],
            data={"user_id": user_id, "from": before, "to": after},
        )
        await self.announce_rights_change(project["_id"])

    async def announce_rights_change(self, project_id: str) -> None:
        try:
            await self._rights_news.project_changed(project_id)
        except Exception:
            # Sockets re-check rights on their own schedule too; the change itself is stored.
            log.exception("announcing a rights change of project %s failed", project_id)

    # --- output -----------------------------------------------------------------------------------

    async def _render(self, principal: Principal, doc: Doc) -> ProjectOut:
        return (await self._render_many(principal, [doc]))[0]

    async def _render_many(self, principal: Principal, docs: list[Doc]) -> list[ProjectOut]:
        user_ids = sorted({member["user_id"] for doc in docs for member in doc["members"]})
        users = await self._users.names(user_ids)
        requests = await self._store.latest_requests_by(principal.id, [doc["_id"] for doc in docs])
        out = []
        for doc in docs:
            members = [
                MemberOut(
                    user_id=member["user_id"],
                    name=users.get(member["user_id"], {}).get("name", ""),
                    role=member["role"],
                    org_id=users.get(member["user_id"], {}).get("org_id"),
                )
                for member in doc["members"]
            ]
            request = requests.get(doc["_id"])
            out.append(
                ProjectOut(
                    id=doc["_id"],
                    title=doc["title"],
                    summary=doc["summary"],
                    visibility=doc["visibility"],
                    board_id=doc["board_id"],
                    members=members,
                    created_at=doc["created_at"],
                    created_by=doc["created_by"],
                    my_role=to_access(doc).role_of(principal.id),
                    my_join_request=None
                    if request is None
                    else MyJoinRequest(id=request["_id"], status=request["status"]),
                )
            )
        return out


_STRENGTH: dict[str, int] = {"viewer": 1, "editor": 2, "owner": 3}


def _with_role(members: Members, user_id: str, role: ProjectRole) -> Members:
    if any(member["user_id"] == user_id for member in members):
        return [{**member, "role": role} if member["user_id"] == user_id else member for member in members]
    return [*members, {"user_id": user_id, "role": role}]


def _with_at_least(members: Members, user_id: str, role: ProjectRole) -> Members:
    current = next((member["role"] for member in members if member["user_id"] == user_id), None)
    if current is not None and _STRENGTH[current] >= _STRENGTH[role]:
        return members
    return _with_role(members, user_id, role)


def _without(members: Members, user_id: str) -> Members:
    return [member for member in members if member["user_id"] != user_id]


def _invalid(path: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        "some fields are not valid",
        details={"fields": [{"path": path, "message": message, "type": "value_error"}]},
    )
