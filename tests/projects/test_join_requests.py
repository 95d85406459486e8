"""A company joins a town project: the partner asks, an owner decides, the partner is told."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from hub import keys
from tests.conftest import Account, UserFactory
from tests.identity.helpers import expect_error
from tests.projects.conftest import create_project


@pytest.fixture
async def rights_messages(redis: Redis) -> AsyncIterator[list[str]]:
    """Messages on dejima:rights while the test runs."""
    received: list[str] = []
    pubsub = redis.pubsub()
    await pubsub.subscribe("dejima:rights")

    async def listen() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                # The realtime bus's format: {"project_id": ...} (schemas/realtime.py RightsChanged).
                received.append(json.loads(message["data"]).get("project_id"))

    task = asyncio.create_task(listen())
    try:
        yield received
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await pubsub.unsubscribe()
        await pubsub.aclose()


async def _may_change_board(client: TestClient[Any, Any], account: Account, board_id: str) -> bool:
    services = client.app[keys.SERVICES]
    principal = await services.identity.sessions.authenticate(account.token)
    assert principal is not None
    return services.rights.may_change_board(
        principal, await services.projects.service.access_for_board(board_id)
    )


async def _project(client: TestClient[Any, Any], account: Account, project_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/projects/{project_id}", headers=account.headers)
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_partner_asks_owner_approves(
    client: TestClient[Any, Any], quick_user: UserFactory, rights_messages: list[str]
) -> None:
    owner = await quick_user("member", name="佐藤 淳一")
    partner = await quick_user("partner", name="田中 健", org_id="aizu")
    project = await create_project(client, owner, visibility="public", title="磐梯町 DX ラボ")
    assert not await _may_change_board(client, partner, project["board_id"])

    asked = await client.post(
        f"/api/projects/{project['id']}/join-requests",
        json={"message": "IoT で協力できます"},
        headers=partner.headers,
    )
    assert asked.status == 201
    request = await asked.json()
    assert (request["status"], request["message"], request["user_name"]) == (
        "pending",
        "IoT で協力できます",
        "田中 健",
    )
    seen = await _project(client, partner, project["id"])
    assert seen["my_role"] is None
    assert seen["my_join_request"] == {"id": request["id"], "status": "pending"}
    again = await client.post(
        f"/api/projects/{project['id']}/join-requests", json={}, headers=partner.headers
    )
    await expect_error(again, 409, "conflict")

    queue = await (await client.get("/api/join-requests", headers=owner.headers)).json()
    assert [(r["id"], r["project_title"]) for r in queue] == [(request["id"], "磐梯町 DX ラボ")]
    approved = await client.post(
        f"/api/projects/{project['id']}/join-requests/{request['id']}/approve", headers=owner.headers
    )
    assert approved.status == 200
    assert (await approved.json())["status"] == "approved"

    seen = await _project(client, partner, project["id"])
    assert seen["my_role"] == "editor"
    assert {m["user_id"]: m["role"] for m in seen["members"]}[partner.id] == "editor"
    assert seen["my_join_request"]["status"] == "approved"
    assert await _may_change_board(client, partner, project["board_id"])
    assert await (await client.get("/api/join-requests", headers=owner.headers)).json() == []

    db = client.app[keys.DB]
    stored = await db["join_requests"].find_one({"_id": request["id"]})
    assert stored is not None and isinstance(stored["decided_at"], datetime)
    assert "pending_key" not in stored
    notes = await db["notifications"].find({"user_id": partner.id}).to_list()
    assert len(notes) == 1
    assert notes[0]["kind"] == "join_request.decided" and notes[0]["read_at"] is None
    assert notes[0]["data"]["status"] == "approved" and notes[0]["data"]["project_id"] == project["id"]
    audit = await client.app[keys.SERVICES].identity.audit.page(before=None, limit=5)
    actions = [(e.action, e.actor_id) for e in audit.items]
    assert ("join_request.approved", owner.id) in actions and ("project.member_added", owner.id) in actions

    # Approving again finishes nothing twice; rejecting now is a conflict showing the current state.
    repeat = await client.post(
        f"/api/projects/{project['id']}/join-requests/{request['id']}/approve", headers=owner.headers
    )
    assert repeat.status == 200
    assert await db["notifications"].count_documents({"user_id": partner.id}) == 1
    late = await client.post(
        f"/api/projects/{project['id']}/join-requests/{request['id']}/reject", headers=owner.headers
    )
    await expect_error(late, 409, "conflict")
    assert (await late.json())["current"]["status"] == "approved"

    for _ in range(50):
        if project["id"] in rights_messages:
            break
        await asyncio.sleep(0.02)
    assert project["id"] in rights_messages


async def test_a_rejected_partner_stays_out_and_may_ask_again(
    client: TestClient[Any, Any], quick_user: UserFactory
) -> None:
    owner = await quick_user("member")
    partner = await quick_user("partner", org_id="aizu")
    project = await create_project(client, owner, visibility="public")
    url = f"/api/projects/{project['id']}/join-requests"
    request = await (await client.post(url, json={"message": ""}, headers=partner.headers)).json()
    rejected = await client.post(f"{url}/{request['id']}/reject", headers=owner.headers)
    assert rejected.status == 200 and (await rejected.json())["status"] == "rejected"
    seen = await _project(client, partner, project["id"])
    assert seen["my_role"] is None and seen["my_join_request"]["status"] == "rejected"
    assert not await _may_change_board(client, partner, project["board_id"])
    note = await client.app[keys.DB]["notifications"].find_one({"user_id": partner.id})
    assert note is not None and note["data"]["status"] == "rejected"
    await expect_error(
        await client.post(f"{url}/{request['id']}/approve", headers=owner.headers), 409, "conflict"
    )
    second = await client.post(url, json={"message": "もう一度"}, headers=partner.headers)
    assert second.status == 201


async def test_only_owners_and_admins_decide(client: TestClient[Any, Any], quick_user: UserFactory) -> None:
    owner = await quick_user("member")
    editor = await quick_user("member")
    partner = await quick_user("partner", org_id="aizu")
    project = await create_project(client, owner, visibility="public")
    members = f"/api/projects/{project['id']}/members"
    assert (
        await client.post(members, json={"user_id": editor.id, "role": "editor"}, headers=owner.headers)
    ).status == 201
    url = f"/api/projects/{project['id']}/join-requests"
    request = await (await client.post(url, json={}, headers=partner.headers)).json()
    for caller in (editor, partner):
        await expect_error(
            await client.post(f"{url}/{request['id']}/approve", headers=caller.headers), 403, "forbidden"
        )
        await expect_error(await client.get(url, headers=caller.headers), 403, "forbidden")
    await expect_error(
        await client.post(f"{url}/nosuchrequest/approve", headers=owner.headers), 404, "not_found"
    )
    # A request id of another project does not work through this one.
    other = await create_project(client, owner, visibility="public")
    wrong = await client.post(
        f"/api/projects/{other['id']}/join-requests/{request['id']}/approve", headers=owner.headers
    )
    await expect_error(wrong, 404, "not_found")
    listed = await (await client.get(url, headers=owner.headers)).json()
    assert [r["id"] for r in listed] == [request["id"]]
    assert await (await client.get(f"{url}?status=approved", headers=owner.headers)).json() == []
    assert len(await (await client.get(f"{url}?status=all", headers=owner.headers)).json()) == 1


async def test_idempotent_join_request(client: TestClient[Any, Any], quick_user: UserFactory) -> None:
    owner = await quick_user("member")
    member = await quick_user("member")
    project = await create_project(client, owner, visibility="internal")
    headers = {**member.headers, "Idempotency-Key": "join-1"}
    url = f"/api/projects/{project['id']}/join-requests"
    first = await client.post(url, json={"message": "hi"}, headers=headers)
    again = await client.post(url, json={"message": "hi"}, headers=headers)
    assert first.status == again.status == 201
    assert await first.json() == await again.json()
    assert await client.app[keys.DB]["join_requests"].count_documents({}) == 1


async def test_partners_cannot_find_what_they_may_not_read(
    client: TestClient[Any, Any], quick_user: UserFactory, make_user: UserFactory
) -> None:
    owner = await quick_user("member")
    partner = await quick_user("partner", org_id="aizu")
    for visibility in ("internal", "private"):
        project = await create_project(client, owner, visibility=visibility)
        response = await client.post(
            f"/api/projects/{project['id']}/join-requests", json={}, headers=partner.headers
        )
        body = await expect_error(response, 404, "not_found")
        missing = await client.post(
            "/api/projects/nosuchproject/join-requests", json={}, headers=partner.headers
        )
        assert body == await expect_error(missing, 404, "not_found")
    assert await client.app[keys.DB]["join_requests"].count_documents({}) == 0


async def test_owners_are_told_when_a_request_arrives(
    client: TestClient[Any, Any], quick_user: UserFactory
) -> None:
    owner = await quick_user("member", name="佐藤 淳一")
    asker = await quick_user("member", name="田中 健")
    project = await create_project(client, owner, visibility="internal", title="観光DX")
    url = f"/api/projects/{project['id']}/join-requests"
    response = await client.post(url, json={"message": "センサーで協力できます"}, headers=asker.headers)
    assert response.status == 201
    listed = await client.get("/api/notifications", headers=owner.headers)
    [notice] = [n for n in await listed.json() if n["kind"] == "join_request.created"]
    assert notice["data"]["title"] == "参加申請が届きました"
    assert "田中 健 さんが、プロジェクト「観光DX」への参加を申し込みました。" in notice["data"]["body"]
    assert "センサーで協力できます" in notice["data"]["body"]
    assert notice["data"]["link"] == "/join-requests"
    asked = await client.get("/api/notifications", headers=asker.headers)
    assert [n for n in await asked.json() if n["kind"] == "join_request.created"] == []
