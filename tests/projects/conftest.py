"""A small world for project tests: an owner, the five kinds of caller, and one project of each visibility."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import Account, UserFactory
from tests.identity.helpers import quick_user_factory

VISIBILITIES = ("public", "internal", "private")


@dataclass(frozen=True)
class World:
    owner: Account  # a member who created every project
    admin: Account
    member: Account  # DX office, not in the projects
    partner_member: Account  # a partner who is an editor of every project
    partner_outsider: Account
    kiosk: Account
    spare: Account  # a member used as the object of membership changes
    projects: dict[str, dict[str, Any]]  # visibility → the project as created

    def caller(self, name: str) -> Account:
        account: Account = getattr(self, name)
        return account


CALLERS = ("admin", "member", "partner_member", "partner_outsider", "kiosk")


async def create_project(
    client: TestClient[Any, Any], account: Account, *, visibility: str, title: str | None = None
) -> dict[str, Any]:
    body = {"title": title or f"{visibility} project", "summary": "概要", "visibility": visibility}
    response = await client.post("/api/projects", json=body, headers=account.headers)
    assert response.status == 201, await response.text()
    project: dict[str, Any] = await response.json()
    return project


@pytest.fixture
async def quick_user(client: TestClient[Any, Any]) -> UserFactory:
    return quick_user_factory(client)


@pytest.fixture
async def world(client: TestClient[Any, Any], quick_user: UserFactory) -> World:
    owner = await quick_user("member", name="佐藤 淳一")
    admin = await quick_user("admin")
    member = await quick_user("member")
    partner_member = await quick_user("partner", org_id="aizu")
    partner_outsider = await quick_user("partner", org_id="other")
    kiosk = await quick_user("kiosk", hub_id="bandai")
    spare = await quick_user("member")
    projects = {}
    for visibility in VISIBILITIES:
        project = await create_project(client, owner, visibility=visibility)
        response = await client.post(
            f"/api/projects/{project['id']}/members",
            json={"user_id": partner_member.id, "role": "editor"},
            headers=owner.headers,
        )
        assert response.status == 201, await response.text()
        projects[visibility] = project
    return World(
        owner=owner,
        admin=admin,
        member=member,
        partner_member=partner_member,
        partner_outsider=partner_outsider,
        kiosk=kiosk,
        spare=spare,
        projects=projects,
    )
