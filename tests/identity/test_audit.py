"""The audit log over HTTP: admins only, newest first, paged without gaps or repeats."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import UserFactory
from tests.identity.helpers import expect_error


async def test_only_admins_read_the_audit_log(client: TestClient[Any, Any], quick_user: UserFactory) -> None:
    member = await quick_user("member")
    partner = await quick_user("partner")
    for caller in (member, partner):
        await expect_error(await client.get("/api/audit", headers=caller.headers), 403, "forbidden")
    await expect_error(await client.get("/api/audit"), 401, "unauthenticated")


async def test_newest_first_in_pages(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    admin = await make_user("admin")
    member = await make_user("member")
    for _ in range(3):
        await client.post("/api/auth/login", json={"email": member.email, "password": "wrong"})
    orphan = {"role": "partner", "org_id": None}  # refused: a partner belongs to an organisation
    refused = await client.patch(f"/api/users/{member.id}", json=orphan, headers=admin.headers)
    await expect_error(refused, 422, "invalid_request")
    org = await client.post("/api/orgs", json={"name": "Aizu Tech", "kind": "company"}, headers=admin.headers)
    org_id = (await org.json())["id"]
    await client.patch(
        f"/api/users/{member.id}", json={"role": "partner", "org_id": org_id}, headers=admin.headers
    )

    seen: list[dict[str, Any]] = []
    before: str | None = None
    while True:
        url = "/api/audit?limit=2" + (f"&before={before}" if before else "")
        page = await (await client.get(url, headers=admin.headers)).json()
        assert len(page["items"]) <= 2
        seen.extend(page["items"])
        before = page["next_before"]
        if before is None:
            break
    ids = [entry["id"] for entry in seen]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids, reverse=True)
    actions = [entry["action"] for entry in seen]
    # Newest first: the role change, the org, three failures, then the sign-ins of make_user.
    assert actions[:5] == [
        "user.role_changed",
        "org.created",
        "auth.login_failed",
        "auth.login_failed",
        "auth.login_failed",
    ]
    assert actions[5:] == ["auth.login", "auth.login"]
    change = seen[0]
    assert (change["actor_id"], change["subject_id"], change["address"]) == (admin.id, member.id, "127.0.0.1")
    assert change["data"] == {"from": "member", "to": "partner"}
    assert change["at"].endswith("Z")
