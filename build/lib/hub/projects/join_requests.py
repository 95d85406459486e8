"""Join requests: a partner or member asks to work on a project; its owners or an admin decide.

Deciding is one atomic step on the request (pending → approved / rejected); what follows it
(membership, notification) is repeatable, so approving an approved request again completes
whatever a crash may have cut short, and the requester is notified once per decision.
"""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from hub.doc import Doc
from hub.errors import Conflict, Forbidden, NotFound
from hub.identity.audit import AuditLog
from hub.identity.users import UserStore
from hub.ids import idempotent_id
from hub.notify import Notify
from hub.principal import Principal
from hub.projects.service import ProjectService, to_access
from hub.projects.store import ProjectStore, pending_key
from hub.rights import ProjectAccess, Rights
from schemas.common import utc_now
from schemas.projects import JoinRequestCreate, JoinRequestOut, JoinRequestStatus

DECIDED_KIND = "join_request.decided"
CREATED_KIND = "join_request.created"


class JoinRequestService:
    def __init__(
        self,
        *,
        store: ProjectStore,
        projects: ProjectService,
        users: UserStore,
        rights: Rights,
        audit: AuditLog,
        notify: Notify,
    ) -> None:
        self._notify = notify
        self._store = store
        self._projects = projects
        self._users = users
        self._rights = rights
        self._audit = audit

    async def request(
        self, principal: Principal, project_id: str, body: JoinRequestCreate, *, key: str | None
    ) -> JoinRequestOut:
        request_id = idempotent_id(caller_id=principal.id, scope=f"join_requests:{project_id}", key=key)
        existing = await self._store.join_request(request_id)
        if existing is not None:
            return await self._render_one(existing)
        project = await self._projects.access(project_id)
        self._rights.require_read_project(principal, project)
        if project.role_of(principal.id) is not None:
            raise Conflict("you are a member of this project already")
        if not self._rights.may_request_to_join(principal, project):
            raise Forbidden("only partners and members may ask to join a project")
        doc: Doc = {
            "_id": request_id,
            "project_id": project_id,
            "user_id": principal.id,
            "message": body.message,
            "status": "pending",
            "pending_key": pending_key(project_id, principal.id),
            "created_at": utc_now(),
            "decided_at": None,
            "decided_by": None,
        }
        try:
            await self._store.insert_join_request(doc)
        except DuplicateKeyError:
            raced = await self._store.join_request(request_id)
            if raced is not None:
                return await self._render_one(raced)
            raise Conflict("you have asked to join this project already; the request is pending") from None
        await self._tell_owners(principal, project, doc)
        return await self._render_one(doc)

    async def _tell_owners(self, principal: Principal, project: ProjectAccess, doc: Doc) -> None:
        """Each owner is notified that a request waits for them (once per request and owner)."""
        project_doc = await self._store.get(project.id)
        for owner_id, role in project.members.items():
            if role != "owner" or owner_id == principal.id:
                continue
            await self._notify.notify(
                cause_id=f"{CREATED_KIND}:{doc['_id']}:{owner_id}",
                kind=CREATED_KIND,
                user_ids=[owner_id],
                data={
                    "join_request_id": doc["_id"],
                    "project_id": project.id,
                    "project_title": "" if project_doc is None else project_doc["title"],
                    "by": principal.name,
                    "excerpt": (doc.get("message") or "")[:200],
                },
                link="/join-requests",
            )

    async def decide(
        self,
        principal: Principal,
        project_id: str,
        request_id: str,
        *,
        status: JoinRequestStatus,
        address: str | None,
    ) -> JoinRequestOut:
        project = await self._projects.access(project_id)
        self._rights.require_administer_project(principal, project)
        current = await self._store.join_request(request_id)
        if current is None or current["project_id"] != project_id:
            raise NotFound("no such join request")
        decided = await self._store.decide_join_request(current, status=status, decided_by=principal.id)
        if decided is not None:
            await self._audit.record(
                f"join_request.{status}",
                actor=principal.actor,
                address=address,
                subject_id=project_id,
                data={"join_request_id": request_id, "user_id": decided["user_id"]},
            )
        else:
            decided = await self._store.join_request(request_id)
            if decided is None:
                raise NotFound("no such join request")
            if decided["status"] != status:
                out = await self._render_one(decided)
                raise Conflict(
                    f"this request was {decided['status']} already",
                    extra={"current": out.model_dump(mode="json")},
                )
        # Repeatable effects: a retry after a crash finishes them, and does not double them.
        if status == "approved":
            await self._projects.grant_at_least(
                principal, project_id, user_id=decided["user_id"], role="editor", address=address
            )
        project_doc = await self._store.get(project_id)
        await self._notify.notify(
            cause_id=f"{DECIDED_KIND}:{request_id}",
            kind=DECIDED_KIND,
            user_ids=[decided["user_id"]],
            data={
                "join_request_id": request_id,
                "project_id": project_id,
                "project_title": "" if project_doc is None else project_doc["title"],
                "status": status,
            },
            link=f"/projects/{project_id}",
        )
        return await self._render_one(decided)

    async def for_project(
        self, principal: Principal, project_id: str, *, status: JoinRequestStatus | None
    ) -> list[JoinRequestOut]:
        project = await self._projects.access(project_id)
        self._rights.require_administer_project(principal, project)
        return await self._render(await self._store.join_requests_of([project_id], status=status))

    async def queue(self, principal: Principal, *, status: JoinRequestStatus | None) -> list[JoinRequestOut]:
        """Requests to every project the caller may decide on: the owners' queue."""
        if self._rights.may_decide_every_join_request(principal):
            candidates = await self._store.readable(self._rights.readable_projects(principal))
        else:
            candidates = await self._store.of_member(principal.id)
        project_ids = [
            doc["_id"] for doc in candidates if self._rights.may_administer_project(principal, to_access(doc))
        ]
        if not project_ids:
            return []
        return await self._render(await self._store.join_requests_of(project_ids, status=status))

    async def _render_one(self, doc: Doc) -> JoinRequestOut:
        return (await self._render([doc]))[0]

    async def _render(self, docs: list[Doc]) -> list[JoinRequestOut]:
        users = await self._users.names(sorted({doc["user_id"] for doc in docs}))
        titles: dict[str, str] = {}
        for project_id in sorted({doc["project_id"] for doc in docs}):
            project = await self._store.get(project_id)
            titles[project_id] = "" if project is None else project["title"]
        return [
            JoinRequestOut(
                id=doc["_id"],
                project_id=doc["project_id"],
                project_title=titles.get(doc["project_id"], ""),
                user_id=doc["user_id"],
                user_name=users.get(doc["user_id"], {}).get("name", ""),
                message=doc["message"],
                status=doc["status"],
                created_at=doc["created_at"],
                decided_at=doc.get("decided_at"),
                decided_by=doc.get("decided_by"),
            )
            for doc in docs
        ]
