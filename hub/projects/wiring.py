"""The projects domain as one object for ``Services``: the store of projects and boards, the
project service (members, access) and join requests."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from hub.doc import Doc
from hub.events.bus import RightsNews
from hub.identity.audit import AuditLog
from hub.identity.users import UserStore
from hub.notify import Notify
from hub.projects.join_requests import JoinRequestService
from hub.projects.service import ProjectService
from hub.projects.store import ProjectStore
from hub.rights import Rights
from hub.storage.marks import ChangeMarks


@dataclass(frozen=True)
class Projects:
    store: ProjectStore
    service: ProjectService
    join_requests: JoinRequestService

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes()


def build_projects(
    db: AsyncDatabase[Doc],
    *,
    users: UserStore,
    rights: Rights,
    audit: AuditLog,
    rights_news: RightsNews,
    notify: Notify,
    marks: ChangeMarks,
) -> Projects:
    store = ProjectStore(db, marks=marks)
    service = ProjectService(store=store, users=users, rights=rights, audit=audit, rights_news=rights_news)
    return Projects(
        store=store,
        service=service,
        join_requests=JoinRequestService(
            store=store, projects=service, users=users, rights=rights, audit=audit, notify=notify
        ),
    )
