"""Bad input on the accounts endpoints: each a contract error, and nothing stored or changed."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub import keys
from tests.conftest import Account, UserFactory
from tests.identity.helpers import expect_error

TEN_KB = "あ" * 10_240

USER = {"email": "new@dejima.test", "name": "新人", "role": "member", "password": "long enough pw"}
BAD_USERS: list[Any] = [
    [],
    "a string",
    {k: v for k, v in USER.items() if k != "email"},
    {k: v for k, v in USER.items() if k != "name"},
    {k: v for k, v in USER.items() if k != "role"},
    {**USER, "extra": 1},
    {**USER, "email": 42},
    {**USER, "email": "not-an-address"},
    {**USER, "email": TEN_KB + "@dejima.test"},
    {**USER, "name": 42},
    {**USER, "name": ""},
    {**USER, "name": "   "},
    {**USER, "name": TEN_KB},
    {**USER, "name": "佐藤\n淳一"},
    {**USER, "name": "佐藤\x00淳一"},
    {**USER, "name": "\ud800"},
    {**USER, "role": "root"},
    {**USER, "role": None},
    {**USER, "locale": "fr"},
    {**USER, "password": "short"},
    {**USER, "password": "x" * 10_000},
    {**USER, "password": 123456789012},
    {**USER, "home_hub": TEN_KB},
    {**USER, "home_hub": "bad id!"},
    {**USER, "org_id": ["a"]},
    {**USER, "line_user_id": "U-1 2"},
]
PATCHES: list[Any] = [
    [],
    {"nickname": "x"},
    {"name": None},
    {"name": TEN_KB},
    {"name": "\x07"},
    {"email": None},
    {"email": "nope"},
    {"role": "owner"},
    {"disabled": "yes"},
    {"disabled": 1},
    {"locale": None},
    {"hub_id": "bandai"},  # a member with a hub
    {"org_id": "nosuchorg"},
    {"password": "short"},
]
ORG = {"name": "Aizu Tech", "kind": "company"}
BAD_ORGS: list[Any] = [
    [],
    {"name": "Aizu Tech"},
    {"kind": "company"},
    {**ORG, "kind": "guild"},
    {**ORG, "name": 1},
    {**ORG, "name": TEN_KB},
    {**ORG, "name": "a\tb"},
    {**ORG, "website": "https://aizu.example"},
]


async def _counts(client: TestClient[Any, Any]) -> dict[str, int]:
    db = client.app[keys.DB]
    return {name: await db[name].count_documents({}) for name in ("users", "orgs", "audit", "sessions")}


@pytest.fixture
async def admin(quick_user: UserFactory) -> Account:
    return await quick_user("admin")


async def test_bad_user_bodies(client: TestClient[Any, Any], admin: Account) -> None:
    before = await _counts(client)
    for body in BAD_USERS:
        response = await client.post("/api/users", json=body, headers=admin.headers)
        await expect_error(response, 422, "invalid_request")
    await expect_error(
        await client.post("/api/users", data=b"{", headers=admin.headers), 400, "invalid_request"
    )
    assert await _counts(client) == before


async def test_bad_patches(client: TestClient[Any, Any], admin: Account, quick_user: UserFactory) -> None:
    member = await quick_user("member")
    stored = await client.app[keys.SERVICES].identity.users.get(member.id)
    before = await _counts(client)
    for body in PATCHES:
        response = await client.patch(f"/api/users/{member.id}", json=body, headers=admin.headers)
        await expect_error(response, 422, "invalid_request")
    taken = await client.patch(
        f"/api/users/{member.id}", json={"email": admin.email.upper()}, headers=admin.headers
    )
    await expect_error(taken, 409, "conflict")
    missing = await client.patch("/api/users/nosuchuser", json={"name": "x"}, headers=admin.headers)
    await expect_error(missing, 404, "not_found")
    assert await client.app[keys.SERVICES].identity.users.get(member.id) == stored
    assert await _counts(client) == before


async def test_bad_org_bodies(client: TestClient[Any, Any], admin: Account) -> None:
    before = await _counts(client)
    for body in BAD_ORGS:
        await expect_error(
            await client.post("/api/orgs", json=body, headers=admin.headers), 422, "invalid_request"
        )
    assert await _counts(client) == before


async def test_bad_queries_and_keys(client: TestClient[Any, Any], admin: Account) -> None:
    for url in (
        "/api/users?role=root",
        "/api/users?colour=red",
        "/api/audit?limit=0",
        "/api/audit?limit=abc",
    ):
        await expect_error(await client.get(url, headers=admin.headers), 422, "invalid_request")
    before = await _counts(client)
    headers = {**admin.headers, "Idempotency-Key": "k" * 300}
    await expect_error(await client.post("/api/orgs", json=ORG, headers=headers), 422, "invalid_request")
    assert await _counts(client) == before


async def test_unicode_names_are_kept_exactly(client: TestClient[Any, Any], admin: Account) -> None:
    names = ["「佐藤 淳一」", "Ōkubo Ünal", "김민준", "👩‍💻 dev", " leading and trailing "]
    for number, name in enumerate(names):
        body = {"email": f"u{number}@dejima.test", "name": name, "role": "member"}
        response = await client.post("/api/users", json=body, headers=admin.headers)
        assert response.status == 201
        assert (await response.json())["name"] == name
        stored = await client.app[keys.DB]["users"].find_one({"email": f"u{number}@dejima.test"})
        assert stored is not None and stored["name"] == name
    org = await client.post(
        "/api/orgs", json={"name": "会津 テック株式会社", "kind": "company"}, headers=admin.headers
    )
    assert (await org.json())["name"] == "会津 テック株式会社"
