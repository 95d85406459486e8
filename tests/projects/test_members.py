"""Members of a project: adding, changing, removing, and what stays true meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from hub import keys
from tests.conftest import AppFactory, UserFactory
from tests.identity.helpers import expect_error, field_paths
from tests.projects.conftest import create_project


async def test_add_change_remove(client: TestClient[Any, Any], quick_user: UserFactory) -> None:
    owner = await quick_user("member")
    other = await quick_user("member", name="鈴木 美咲")
    project = await create_project(client, owner, visibility="private")
    url = f"/api/projects/{project['id']}/members"
    added = await client.post(url, json={"user_id": other.id, "role": "viewer"}, headers=owner.headers)
    assert added.status == 201
    members = {m["user_id"]: m for m in (await added.json())["members"]}
    assert members[other.id]["role"] == "viewer" and members[other.id]["name"] == "鈴木 美咲"
    # The private project is now readable by the new member.
    assert (await client.get(f"/api/projects/{project['id']}", headers=other.headers)).status == 200
    changed = await client.post(url, json={"user_id": other.id, "role": "owner"}, headers=owner.headers)
    assert changed.status == 200
    # The new owner may now remove the first one.
    removed = await client.delete(f"{url}/{owner.id}", headers=other.headers)
    assert removed.status == 200
    assert [m["user_id"] for m in (await removed.json())["members"]] == [other.id]
    await expect_error(
        await client.get(f"/api/projects/{project['id']}", headers=owner.headers), 404, "not_found"
    )
    await expect_error(await client.delete(f"{url}/{owner.id}", headers=other.headers), 404, "not_found")
    audit = await client.app[keys.SERVICES].identity.audit.page(before=None, limit=3)
    assert [e.action for e in audit.items] == [
        "project.member_removed",
        "project.member_role_changed",
        "project.member_added",
    ]
    assert audit.items[1].data == {"user_id": other.id, "from": "viewer", "to": "owner"}


async def test_a_project_keeps_an_owner(client: TestClient[Any, Any], quick_user: UserFactory) -> None:
    owner = await quick_user("member")
    project = await create_project(client, owner, visibility="public")
    url = f"/api/projects/{project['id']}/members"
    await expect_error(await client.delete(f"{url}/{owner.id}", headers=owner.headers), 409, "conflict")
    demote = await client.post(url, json={"user_id": owner.id, "role": "editor"}, headers=owner.headers)
    await expect_error(demote, 409, "conflict")
    assert (await client.app[keys.SERVICES].projects.service.access(project["id"])).members == {
        owner.id: "owner"
    }


async def test_who_can_be_a_member(client: TestClient[Any, Any], quick_user: UserFactory) -> None:
    owner = await quick_user("member")
    kiosk = await quick_user("kiosk", hub_id="bandai")
    gone = await quick_user("member")
    await client.app[keys.SERVICES].identity.users.update(gone.id, {"disabled": True})
    project = await create_project(client, owner, visibility="public")
    url = f"/api/projects/{project['id']}/members"
    for user_id in (kiosk.id, gone.id, "nosuchuser"):
        response = await client.post(url, json={"user_id": user_id, "role": "viewer"}, headers=owner.headers)
        assert field_paths(await expect_error(response, 422, "invalid_request")) == {"user_id"}
    assert (await client.app[keys.SERVICES].projects.service.access(project["id"])).members == {
        owner.id: "owner"
    }


async def test_concurrent_additions_all_land(client: TestClient[Any, Any], quick_user: UserFactory) -> None:
    owner = await quick_user("member")
    people = [await quick_user("member") for _ in range(6)]
    project = await create_project(client, owner, visibility="public")
    url = f"/api/projects/{project['id']}/members"
    responses = await asyncio.gather(
        *(client.post(url, json={"user_id": p.id, "role": "editor"}, headers=owner.headers) for p in people)
    )
    assert [r.status for r in responses] == [201] * 6
    members = (await client.app[keys.SERVICES].projects.service.access(project["id"])).members
    assert members == {owner.id: "owner", **{p.id: "editor" for p in people}}


async def test_a_member_removed_at_one_instance_is_out_at_once_at_another(
    make_client: AppFactory, quick_user: UserFactory
) -> None:
    """Each instance reuses a project it read a moment ago (hub/storage/marks.py), never past a
    change of its members made at another instance."""
    first, other = await make_client(), await make_client()
    owner = await quick_user("member")
    editor = await quick_user("member")
    project = await create_project(first, owner, visibility="private")
    url = f"/api/projects/{project['id']}/members"
    assert (
        await first.post(url, json={"user_id": editor.id, "role": "editor"}, headers=owner.headers)
    ).status == 201
    board = f"/api/boards/{project['board_id']}/columns"
    assert (await other.post(board, json={"title": "やること"}, headers=editor.headers)).status == 201
    assert (await first.delete(f"{url}/{editor.id}", headers=owner.headers)).status == 200
    await expect_error(
        await other.post(board, json={"title": "後で"}, headers=editor.headers), 404, "not_found"
    )
    await expect_error(
        await other.get(f"/api/projects/{project['id']}", headers=editor.headers), 404, "not_found"
    )
