"""Accounts and organisations: who may manage them, what is kept, and what is refused."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from hub import keys
from tests.conftest import UserFactory
from tests.identity.helpers import expect_error, field_paths

SATO = "「佐藤 淳一」"


async def _org(client: TestClient[Any, Any], headers: dict[str, str], name: str = "Aizu Tech") -> str:
    response = await client.post("/api/orgs", json={"name": name, "kind": "company"}, headers=headers)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def test_admin_creates_a_user_who_can_sign_in(
    client: TestClient[Any, Any], quick_user: UserFactory
) -> None:
    admin = await quick_user("admin")
    org_id = await _org(client, admin.headers)
    body = {
        "email": "Tanaka.Ken@Partner.Example",
        "name": SATO,
        "role": "partner",
        "org_id": org_id,
        "password": "a long enough password",
        "locale": "en",
        "line_user_id": "U" + "0" * 32,
    }
    response = await client.post("/api/users", json=body, headers=admin.headers)
    assert response.status == 201, await response.text()
    user = await response.json()
    assert user["email"] == "tanaka.ken@partner.example"
    assert user["name"] == SATO
    assert (user["role"], user["org_id"], user["locale"]) == ("partner", org_id, "en")
    assert user["hub_id"] is None and user["home_hub"] is None and user["disabled"] is False
    assert user["line_user_id"] == "U" + "0" * 32

    login = await client.post(
        "/api/auth/login", json={"email": "TANAKA.KEN@partner.example", "password": "a long enough password"}
    )
    assert login.status == 200
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {(await login.json())['token']}"})
    assert (await me.json())["name"] == SATO


async def test_emails_are_unique_regardless_of_case(
    client: TestClient[Any, Any], quick_user: UserFactory
) -> None:
    admin = await quick_user("admin")
    users = client.app[keys.DB]["users"]
    first = {"email": "Yamada@Example.jp", "name": "山田", "role": "member"}
    assert (await client.post("/api/users", json=first, headers=admin.headers)).status == 201
    count = await users.count_documents({})
    twin = {"email": "yamada@EXAMPLE.JP", "name": "山田 二", "role": "member"}
    error = await expect_error(
        await client.post("/api/users", json=twin, headers=admin.headers), 409, "conflict"
    )
    assert field_paths(error) == {"email"}
    assert await users.count_documents({}) == count


async def test_idempotency_key_returns_the_first_answer(
    client: TestClient[Any, Any], quick_user: UserFactory
) -> None:
    admin = await quick_user("admin")
    users = client.app[keys.DB]["users"]
    body = {"email": "kiosk-x@dejima.test", "name": "Kiosk X", "role": "kiosk", "hub_id": "bandai"}
    headers = {**admin.headers, "Idempotency-Key": "create-kiosk-x"}
    first = await client.post("/api/users", json=body, headers=headers)
    again = await client.post("/api/users", json=body, headers=headers)
    assert first.status == again.status == 201
    assert await first.json() == await again.json()
    assert await users.count_documents({"email": "kiosk-x@dejima.test"}) == 1
    # Another key is another creation, which collides on the address.
    other = {**admin.headers, "Idempotency-Key": "create-kiosk-x-2"}
    await expect_error(await client.post("/api/users", json=body, headers=other), 409, "conflict")
    org_headers = {**admin.headers, "Idempotency-Key": "org-1"}
    orgs = [
        await client.post("/api/orgs", json={"name": "会津大学", "kind": "academic"}, headers=org_headers)
        for _ in range(2)
    ]
    assert [r.status for r in orgs] == [201, 201]
    assert await orgs[0].json() == await orgs[1].json()
    assert await client.app[keys.DB]["orgs"].count_documents({}) == 1


async def test_role_fields(client: TestClient[Any, Any], quick_user: UserFactory) -> None:
    admin = await quick_user("admin")
    users = client.app[keys.DB]["users"]
    count = await users.count_documents({})
    cases = [
        {"email": "k@dejima.test", "name": "K", "role": "kiosk"},  # a kiosk without its hub
        {"email": "m@dejima.test", "name": "M", "role": "member", "hub_id": "bandai"},
        {"email": "p@dejima.test", "name": "P", "role": "partner"},  # a partner without an org
        {"email": "p@dejima.test", "name": "P", "role": "partner", "org_id": "nosuchorg"},
    ]
    for body in cases:
        await expect_error(
            await client.post("/api/users", json=body, headers=admin.headers), 422, "invalid_request"
        )
    assert await users.count_documents({}) == count


async def test_who_may_manage_accounts(client: TestClient[Any, Any], quick_user: UserFactory) -> None:
    admin = await quick_user("admin")
    member = await quick_user("member")
    partner = await quick_user("partner")
    kiosk = await quick_user("kiosk", hub_id="bandai")
    body = {"email": "new@dejima.test", "name": "New", "role": "member"}
    for caller in (member, partner, kiosk):
        await expect_error(
            await client.post("/api/users", json=body, headers=caller.headers), 403, "forbidden"
        )
        patch = await client.patch(f"/api/users/{member.id}", json={"name": "X"}, headers=caller.headers)
        await expect_error(patch, 403, "forbidden")
        org = await client.post("/api/orgs", json={"name": "X", "kind": "company"}, headers=caller.headers)
        await expect_error(org, 403, "forbidden")
    for caller in (partner, kiosk):
        await expect_error(await client.get("/api/users", headers=caller.headers), 403, "forbidden")
    await expect_error(await client.post("/api/users", json=body), 401, "unauthenticated")
    await expect_error(await client.get("/api/users"), 401, "unauthenticated")
    await expect_error(await client.get("/api/orgs"), 401, "unauthenticated")
    assert await client.app[keys.DB]["users"].count_documents({"email": "new@dejima.test"}) == 0

    as_admin = await (await client.get("/api/users", headers=admin.headers)).json()
    as_member = await (await client.get("/api/users?role=kiosk", headers=member.headers)).json()
    assert {u["email"] for u in as_admin} >= {admin.email, member.email, partner.email, kiosk.email}
    assert "line_user_id" in as_admin[0]
    assert [u["id"] for u in as_member] == [kiosk.id]
    assert "line_user_id" not in as_member[0]
    for caller in (member, partner, kiosk):
        assert (await client.get("/api/orgs", headers=caller.headers)).status == 200


async def test_role_change_is_audited_and_ends_sessions(
    client: TestClient[Any, Any], quick_user: UserFactory
) -> None:
    admin = await quick_user("admin")
    member = await quick_user("member")
    response = await client.patch(f"/api/users/{member.id}", json={"role": "admin"}, headers=admin.headers)
    assert response.status == 200
    assert (await response.json())["role"] == "admin"
    await expect_error(await client.get("/api/me", headers=member.headers), 401, "unauthenticated")
    entry = (await client.app[keys.SERVICES].identity.audit.page(before=None, limit=1)).items[0]
    assert (entry.action, entry.actor_id, entry.subject_id) == ("user.role_changed", admin.id, member.id)
    assert entry.data == {"from": "member", "to": "admin"}
    assert entry.address == "127.0.0.1"


async def test_switching_off_and_renaming(
    client: TestClient[Any, Any], quick_user: UserFactory, make_user: UserFactory
) -> None:
    admin = await quick_user("admin")
    member = await make_user("member")
    renamed = await client.patch(f"/api/users/{member.id}", json={"name": SATO}, headers=admin.headers)
    assert (await renamed.json())["name"] == SATO
    # A rename keeps the person signed in.
    assert (await client.get("/api/me", headers=member.headers)).status == 200
    off = await client.patch(f"/api/users/{member.id}", json={"disabled": True}, headers=admin.headers)
    assert (await off.json())["disabled"] is True
    await expect_error(await client.get("/api/me", headers=member.headers), 401, "unauthenticated")
    login = await client.post("/api/auth/login", json={"email": member.email, "password": member.password})
    await expect_error(login, 401, "unauthenticated")


async def test_the_last_admin_stays(client: TestClient[Any, Any], quick_user: UserFactory) -> None:
    admin = await quick_user("admin")
    users = client.app[keys.DB]["users"]
    # The admin from the settings makes two; switch that one off first.
    first = await users.find_one({"email": "admin@dejima.test"})
    assert first is not None
    ok = await client.patch(f"/api/users/{first['_id']}", json={"disabled": True}, headers=admin.headers)
    assert ok.status == 200
    for patch in ({"role": "member"}, {"disabled": True}):
        response = await client.patch(f"/api/users/{admin.id}", json=patch, headers=admin.headers)
        await expect_error(response, 409, "conflict")
    assert (await users.find_one({"_id": admin.id}) or {})["role"] == "admin"


async def test_kiosk_becoming_a_member_leaves_its_hub(
    client: TestClient[Any, Any], quick_user: UserFactory
) -> None:
    admin = await quick_user("admin")
    kiosk = await quick_user("kiosk", hub_id="shibuya")
    response = await client.patch(f"/api/users/{kiosk.id}", json={"role": "member"}, headers=admin.headers)
    assert response.status == 200
    assert (await response.json())["hub_id"] is None
    back = await client.patch(f"/api/users/{kiosk.id}", json={"role": "kiosk"}, headers=admin.headers)
    await expect_error(back, 422, "invalid_request")


async def test_orgs(client: TestClient[Any, Any], quick_user: UserFactory) -> None:
    admin = await quick_user("admin")
    partner = await quick_user("partner")
    await _org(client, admin.headers, "Aizu Tech")
    await _org(client, admin.headers, "磐梯町役場")
    twin = await client.post(
        "/api/orgs", json={"name": "aizu  TECH", "kind": "company"}, headers=admin.headers
    )
    await expect_error(twin, 409, "conflict")
    listed = await (await client.get("/api/orgs", headers=partner.headers)).json()
    assert [(o["name"], o["kind"]) for o in listed] == [("Aizu Tech", "company"), ("磐梯町役場", "company")]
    assert all(set(o) >= {"id", "name", "kind", "created_at"} for o in listed)
