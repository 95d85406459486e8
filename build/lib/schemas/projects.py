"""Projects, their members and join requests on the wire (API.md, Projects)."""

from __future__ import annotations

from typing import Literal

from schemas.common import Out, Strict, UtcDatetime
from schemas.text import Id, Text, Title

Visibility = Literal["public", "internal", "private"]
ProjectRole = Literal["owner", "editor", "viewer"]
JoinRequestStatus = Literal["pending", "approved", "rejected"]


class ProjectCreate(Strict):
    title: Title
    summary: Text = ""
    visibility: Visibility


class MemberIn(Strict):
    user_id: Id
    role: ProjectRole


class JoinRequestCreate(Strict):
    message: Text = ""


class MemberOut(Out):
    user_id: str
    name: str
    role: ProjectRole
    org_id: str | None = None


class MyJoinRequest(Out):
    id: str
    status: JoinRequestStatus


class ProjectOut(Out):
    id: str
    title: str
    summary: str
    visibility: Visibility
    board_id: str
    members: list[MemberOut]
    created_at: UtcDatetime
    created_by: str
    # The caller's own standing, so a page can show the right buttons without more requests.
    my_role: ProjectRole | None = None
    my_join_request: MyJoinRequest | None = None


class JoinRequestOut(Out):
    id: str
    project_id: str
    project_title: str
    user_id: str
    user_name: str
    message: str
    status: JoinRequestStatus
    created_at: UtcDatetime
    decided_at: UtcDatetime | None = None
    decided_by: str | None = None


class JoinRequestsQuery(Strict):
    status: JoinRequestStatus | Literal["all"] = "pending"

    @property
    def selected(self) -> JoinRequestStatus | None:
        return None if self.status == "all" else self.status


class DecisionBody(Strict):
    """Approving or rejecting takes no fields (an empty body or ``{}``)."""
