"""Bad input on the project endpoints: each a contract error, and nothing stored or changed."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from hub import keys
from tests.identity.helpers import expect_error
from tests.projects.conftest import World

TEN_KB = "x" * 10_240
PROJECT = {"title": "磐梯町 DX ラボ", "summary": "町と企業の共創", "visibility": "public"}
BAD_PROJECTS: list[Any] = [
    [],
    {k: v for k, v in PROJECT.items() if k != "title"},
    {k: v for k, v in PROJECT.items() if k != "visibility"},
    {**PROJECT, "owner": "me"},
    {**PROJECT, "title": 1},
    {**PROJECT, "title": ""},
    {**PROJECT, "title": TEN_KB},
    {**PROJECT, "title": "a\nb"},
    {**PROJECT, "title": "\ud83d"},
    {**PROJECT, "summary": None},
    {**PROJECT, "summary": "x" * 20_001},
    {**PROJECT, "summary": "bell\x07"},
    {**PROJECT, "visibility": "secret"},
    {**PROJECT, "visibility": True},
]
BAD_MEMBERS: list[Any] = [
    [],
    {"user_id": "u"},
    {"role": "editor"},
    {"user_id": 5, "role": "editor"},
    {"user_id": TEN_KB, "role": "editor"},
    {"user_id": "a b", "role": "editor"},
    {"user_id": "u", "role": "admin"},
    {"user_id": "u", "role": "editor", "note": "x"},
]
BAD_REQUESTS: list[Any] = [
    [],
    {"message": 1},
    {"message": "x" * 20_001},
    {"message": "\x1b[31m"},
    {"hi": "x"},
]


async def _counts(client: TestClient[Any, Any]) -> dict[str, int]:
    db = client.app[keys.DB]
    names = ("projects", "boards", "join_requests", "notifications", "audit")
    return {name: await db[name].count_documents({}) for name in names}


async def test_bad_input_on_every_project_endpoint(client: TestClient[Any, Any], world: World) -> None:
    project = world.projects["public"]
    members_url = f"/api/projects/{project['id']}/members"
    requests_url = f"/api/projects/{project['id']}/join-requests"
    access_before = await client.app[keys.SERVICES].projects.service.access(project["id"])
    before = await _counts(client)

    for body in BAD_PROJECTS:
        await expect_error(
            await client.post("/api/projects", json=body, headers=world.owner.headers), 422, "invalid_request"
        )
    for body in BAD_MEMBERS:
        await expect_error(
            await client.post(members_url, json=body, headers=world.owner.headers), 422, "invalid_request"
        )
    for body in BAD_REQUESTS:
        response = await client.post(requests_url, json=body, headers=world.partner_outsider.headers)
        await expect_error(response, 422, "invalid_request")
    for url in ("/api/projects", members_url, requests_url):
        await expect_error(
            await client.post(url, data=b"{oops", headers=world.owner.headers), 400, "invalid_request"
        )
    for url in (f"{requests_url}?status=maybe", "/api/join-requests?status=1", f"{requests_url}?x=1"):
        await expect_error(await client.get(url, headers=world.owner.headers), 422, "invalid_request")
    await expect_error(
        await client.post(
            "/api/projects", json=PROJECT, headers={**world.owner.headers, "Idempotency-Key": ""}
        ),
        422,
        "invalid_request",
    )

    assert await _counts(client) == before
    assert await client.app[keys.SERVICES].projects.service.access(project["id"]) == access_before


async def test_decision_bodies_take_no_fields(client: TestClient[Any, Any], world: World) -> None:
    project = world.projects["public"]
    url = f"/api/projects/{project['id']}/join-requests"
    asked = await client.post(url, json={"message": "よろしく"}, headers=world.partner_outsider.headers)
    request = await asked.json()
    before = await _counts(client)
    for body in ({"status": "approved"}, [], "yes"):
        response = await client.post(f"{url}/{request['id']}/approve", json=body, headers=world.owner.headers)
        await expect_error(response, 422, "invalid_request")
    assert await _counts(client) == before
    assert (await client.app[keys.SERVICES].projects.store.join_request(request["id"]) or {})[
        "status"
    ] == "pending"


async def test_project_text_is_kept_exactly(client: TestClient[Any, Any], world: World) -> None:
    summary = "一行目\n二行目\t<b>太字ではない</b> & 10 kB: " + "あ" * 10_000
    body = {"title": "「磐梯町 DX ラボ」", "summary": summary, "visibility": "public"}
    headers = {**world.owner.headers, "Idempotency-Key": "lab-1"}
    first = await client.post("/api/projects", json=body, headers=headers)
    again = await client.post("/api/projects", json=body, headers=headers)
    assert first.status == again.status == 201
    created = await first.json()
    assert created == await again.json()
    assert (created["title"], created["summary"]) == ("「磐梯町 DX ラボ」", summary)
    db = client.app[keys.DB]
    assert await db["projects"].count_documents({"title": "「磐梯町 DX ラボ」"}) == 1
    assert await db["boards"].count_documents({"project_id": created["id"]}) == 1
