"""Every project endpoint for public / internal / private × admin / member / partner-member /
partner-outsider / kiosk, answered as API.md (Projects) says: list contents, 200/201, 403, 404."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub import keys
from hub.errors import NotFound
from schemas.common import utc_now
from tests.conftest import Account
from tests.identity.helpers import expect_error
from tests.projects.conftest import CALLERS, VISIBILITIES, World

# Who may read each kind of project (API.md: public — every signed-in user; internal — admins and
# members; private — its members). partner_member is an editor of all three.
READERS = {
    "public": {"admin", "member", "partner_member", "partner_outsider", "kiosk"},
    "internal": {"admin", "member", "partner_member"},
    "private": {"admin", "partner_member"},
}
# Who may change a board: its owners and editors, and admins.
CHANGERS = {"admin", "partner_member"}
# Who may administer (members, join requests): owners and admins.
ADMINISTRATORS = {"admin"}


def _expected(caller: str, visibility: str, allowed: set[str], ok: int) -> int:
    if caller not in READERS[visibility]:
        return 404
    return ok if caller in allowed else 403


async def _status(response: Any, expected: int) -> None:
    if expected >= 400:
        code = {403: "forbidden", 404: "not_found", 409: "conflict"}[expected]
        await expect_error(response, expected, code)
    else:
        assert response.status == expected, await response.text()


async def test_list_shows_exactly_the_readable_projects(client: TestClient[Any, Any], world: World) -> None:
    services = client.app[keys.SERVICES]
    for caller in CALLERS:
        account = world.caller(caller)
        listed = await (await client.get("/api/projects", headers=account.headers)).json()
        expected = {world.projects[v]["id"] for v in VISIBILITIES if caller in READERS[v]}
        assert {p["id"] for p in listed} == expected, caller
        principal = await services.identity.sessions.authenticate(account.token)
        assert principal is not None
        assert set(await services.projects.service.readable_project_ids(principal)) == expected


@pytest.mark.parametrize("visibility", VISIBILITIES)
async def test_read_one(client: TestClient[Any, Any], world: World, visibility: str) -> None:
    project = world.projects[visibility]
    for caller in CALLERS:
        response = await client.get(f"/api/projects/{project['id']}", headers=world.caller(caller).headers)
        await _status(response, 200 if caller in READERS[visibility] else 404)
        if response.status == 200:
            body = await response.json()
            assert body["board_id"] == project["board_id"]
            roles = {m["user_id"]: m["role"] for m in body["members"]}
            assert roles == {world.owner.id: "owner", world.partner_member.id: "editor"}
    await expect_error(await client.get(f"/api/projects/{project['id']}"), 401, "unauthenticated")
    await expect_error(
        await client.get("/api/projects/nosuchproject", headers=world.admin.headers), 404, "not_found"
    )


@pytest.mark.parametrize("visibility", VISIBILITIES)
async def test_board_rights(client: TestClient[Any, Any], world: World, visibility: str) -> None:
    """The board document made with the project, as the boards service will ask about it."""
    services = client.app[keys.SERVICES]
    board_id = world.projects[visibility]["board_id"]
    board = await client.app[keys.DB]["boards"].find_one({"_id": board_id})
    assert board is not None
    assert (board["project_id"], board["title"]) == (
        world.projects[visibility]["id"],
        f"{visibility} project",
    )
    access = await services.projects.service.access_for_board(board_id)
    for caller in (*CALLERS, "owner"):
        principal = await services.identity.sessions.authenticate(world.caller(caller).token)
        assert principal is not None
        readable = caller in READERS[visibility] or caller == "owner"
        assert services.rights.may_read_project(principal, access) is readable, caller
        assert services.rights.may_change_board(principal, access) is (caller in {*CHANGERS, "owner"}), caller
    with pytest.raises(NotFound):
        await services.projects.service.access_for_board("nosuchboard")


@pytest.mark.parametrize("visibility", VISIBILITIES)
async def test_members(client: TestClient[Any, Any], world: World, visibility: str) -> None:
    project_id = world.projects[visibility]["id"]
    projects = client.app[keys.SERVICES].projects.service
    url = f"/api/projects/{project_id}/members"
    for caller in (*CALLERS, "owner"):
        account: Account = world.caller(caller)
        allowed = {*ADMINISTRATORS, "owner"}
        expected_read = _expected(caller, visibility, allowed, 201) if caller != "owner" else 201
        response = await client.post(
            url, json={"user_id": world.spare.id, "role": "viewer"}, headers=account.headers
        )
        await _status(response, expected_read)
        if response.status == 201:
            assert {m["user_id"]: m["role"] for m in (await response.json())["members"]}[
                world.spare.id
            ] == "viewer"
        access = await projects.access(project_id)
        assert (world.spare.id in access.members) is (response.status == 201)
        # Removal: make sure the spare is a member, then try.
        if response.status != 201:
            await _as_owner_add(client, world, project_id)
        removal = await client.delete(f"{url}/{world.spare.id}", headers=account.headers)
        await _status(removal, 200 if response.status == 201 else expected_read)
        access = await projects.access(project_id)
        assert (world.spare.id in access.members) is (removal.status != 200)
        if world.spare.id in access.members:
            assert (await client.delete(f"{url}/{world.spare.id}", headers=world.owner.headers)).status == 200


async def _as_owner_add(client: TestClient[Any, Any], world: World, project_id: str) -> None:
    response = await client.post(
        f"/api/projects/{project_id}/members",
        json={"user_id": world.spare.id, "role": "viewer"},
        headers=world.owner.headers,
    )
    assert response.status == 201


@pytest.mark.parametrize("visibility", VISIBILITIES)
async def test_asking_to_join(client: TestClient[Any, Any], world: World, visibility: str) -> None:
    project_id = world.projects[visibility]["id"]
    requests = client.app[keys.DB]["join_requests"]
    expected = {
        "admin": 403,  # admins need not ask: they may do everything already
        "member": 201,
        "partner_member": 409,  # a member already
        "partner_outsider": 201,
        "kiosk": 403,
    }
    for caller in CALLERS:
        response = await client.post(
            f"/api/projects/{project_id}/join-requests",
            json={"message": "参加させてください"},
            headers=world.caller(caller).headers,
        )
        want = expected[caller] if caller in READERS[visibility] else 404
        await _status(response, want)
        if want == 201:
            body = await response.json()
            assert body["status"] == "pending" and body["user_id"] == world.caller(caller).id
    assert await requests.count_documents({"project_id": project_id}) == sum(
        1 for c in CALLERS if c in READERS[visibility] and expected[c] == 201
    )


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("decision", ["approve", "reject"])
async def test_deciding(client: TestClient[Any, Any], world: World, visibility: str, decision: str) -> None:
    project_id = world.projects[visibility]["id"]
    store = client.app[keys.SERVICES].projects.store
    url = f"/api/projects/{project_id}/join-requests"
    for caller in (*CALLERS, "owner"):
        request_id = f"req-{caller}"
        # Stored directly: on a private project nobody outside could have asked through the API.
        await store.insert_join_request(
            {
                "_id": request_id,
                "project_id": project_id,
                "user_id": world.spare.id,
                "message": "",
                "status": "pending",
                "created_at": utc_now(),
                "decided_at": None,
                "decided_by": None,
            }
        )
        account = world.caller(caller)
        want = 200 if caller == "owner" else _expected(caller, visibility, ADMINISTRATORS, 200)
        queue = await (await client.get("/api/join-requests", headers=account.headers)).json()
        assert (request_id in {r["id"] for r in queue}) is (want == 200), caller
        await _status(await client.get(url, headers=account.headers), want)
        await _status(await client.post(f"{url}/{request_id}/{decision}", headers=account.headers), want)
        stored = await store.join_request(request_id)
        assert stored is not None
        assert stored["status"] == (
            "pending" if want != 200 else {"approve": "approved", "reject": "rejected"}[decision]
        )
        queue = await (await client.get("/api/join-requests", headers=account.headers)).json()
        if caller in ("owner", "admin"):
            assert request_id not in {r["id"] for r in queue}  # decided, so no longer pending
        else:
            assert queue == []
        if want == 200 and decision == "approve":
            await client.delete(
                f"{url.removesuffix('/join-requests')}/members/{world.spare.id}", headers=world.owner.headers
            )


async def test_creating(client: TestClient[Any, Any], world: World) -> None:
    body = {"title": "新しい企画", "summary": "", "visibility": "internal"}
    for caller in CALLERS:
        response = await client.post("/api/projects", json=body, headers=world.caller(caller).headers)
        want = 201 if caller in ("admin", "member") else 403
        await _status(response, want)
        if want == 201:
            created = await response.json()
            assert created["members"][0]["user_id"] == world.caller(caller).id
            assert created["members"][0]["role"] == "owner"
    await expect_error(await client.post("/api/projects", json=body), 401, "unauthenticated")
    assert await client.app[keys.DB]["projects"].count_documents({"title": "新しい企画"}) == 2


async def test_signed_out_callers_get_401_everywhere(client: TestClient[Any, Any], world: World) -> None:
    project = world.projects["public"]["id"]
    calls = [
        ("GET", "/api/projects"),
        ("POST", "/api/projects"),
        ("GET", f"/api/projects/{project}"),
        ("POST", f"/api/projects/{project}/members"),
        ("DELETE", f"/api/projects/{project}/members/{world.owner.id}"),
        ("GET", f"/api/projects/{project}/join-requests"),
        ("POST", f"/api/projects/{project}/join-requests"),
        ("POST", f"/api/projects/{project}/join-requests/x/approve"),
        ("POST", f"/api/projects/{project}/join-requests/x/reject"),
        ("GET", "/api/join-requests"),
        ("GET", "/api/users"),
        ("POST", "/api/users"),
        ("PATCH", f"/api/users/{world.owner.id}"),
        ("GET", "/api/orgs"),
        ("POST", "/api/orgs"),
        ("GET", "/api/audit"),
    ]
    for method, url in calls:
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = await client.request(method, url, json={}, headers=headers)
            await expect_error(response, 401, "unauthenticated")
