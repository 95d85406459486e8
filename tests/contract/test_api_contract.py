"""The REST contract (/work/shared/spec/API.md) checked as an outside client sees it: HTTP calls only.

Each test walks one section of API.md and asserts exactly the shapes, status codes and error codes
written there (every named field present with the right type). Users come from `make_user`; every
other thing is made through the API."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import Account, AppFactory, UserFactory

Client = TestClient[Any, Any]

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
ERROR_CODES = {
    "invalid_request",
    "unauthenticated",
    "forbidden",
    "not_found",
    "conflict",
    "hub_full",
    "payload_too_large",
    "rate_limited",
    "unavailable",
}


# ---------------------------------------------------------------- helpers


def is_time(value: Any) -> bool:
    return isinstance(value, str) and RFC3339_UTC.match(value) is not None


def has_fields(obj: Any, **fields: Any) -> None:
    """Every named field is present with the named type; `"time"` means an RFC 3339 UTC string."""
    assert isinstance(obj, dict), obj
    for name, kind in fields.items():
        assert name in obj, f"missing {name!r} in {obj}"
        value = obj[name]
        if kind == "time":
            assert is_time(value), f"{name}={value!r} is not RFC 3339 UTC ending in Z"
        elif kind == "time?":
            assert value is None or is_time(value), f"{name}={value!r}"
        else:
            assert isinstance(value, kind), f"{name}={value!r} is not {kind}"


async def ok(response: Any, status: int = 200) -> Any:
    text = await response.text()
    assert response.status == status, f"{response.method} {response.url.path}: {response.status} {text}"
    return await response.json() if text else None


async def error(response: Any, status: int, code: str) -> dict[str, Any]:
    body = await response.json()
    assert response.status == status, (response.url.path, response.status, body)
    assert set(body) >= {"error"}, body
    err = body["error"]
    assert set(err) <= {"code", "message", "details"}, err
    assert err["code"] == code and err["code"] in ERROR_CODES, err
    assert isinstance(err["message"], str) and err["message"], err
    if "details" in err:
        assert isinstance(err["details"], dict), err
    assert "Traceback" not in await response.text()
    body_: dict[str, Any] = body
    return body_


USER_FIELDS: dict[str, Any] = {"id": str, "email": str, "name": str, "role": str, "locale": str}


def user_shape(user: dict[str, Any]) -> None:
    has_fields(user, **USER_FIELDS)
    for nullable in ("org_id", "home_hub"):
        assert nullable in user, user
        assert user[nullable] is None or isinstance(user[nullable], str)


async def project(client: Client, owner: Account, visibility: str = "public", key: str | None = None) -> Any:
    body = {"title": "磐梯DXラボ", "summary": "町と企業の共創", "visibility": visibility}
    headers = {**owner.headers, **({"Idempotency-Key": key} if key else {})}
    return await ok(await client.post("/api/projects", json=body, headers=headers), 201)


# ---------------------------------------------------------------- conventions


async def test_health_ready_metrics_openapi(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}
    assert (await client.get("/readyz")).status == 200

    metrics = await client.get("/metrics")
    assert metrics.status == 200
    assert metrics.content_type == "text/plain"
    text = await metrics.text()
    assert "# TYPE " in text and "# HELP " in text

    spec = await ok(await client.get("/api/openapi.json"))
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path, method in [
        ("/api/auth/login", "post"),
        ("/api/me", "get"),
        ("/api/users", "post"),
        ("/api/orgs", "post"),
        ("/api/projects", "post"),
        ("/api/projects/{project_id}/join-requests", "post"),
        ("/api/boards/{board_id}", "get"),
        ("/api/cards/{card_id}", "patch"),
        ("/api/hubs/{hub_id}/checkins", "post"),
        ("/api/announcements", "post"),
        ("/api/me/preferences", "put"),
        ("/api/notifications", "get"),
    ]:
        assert path in paths and method in paths[path], (path, method)


async def test_error_bodies(client: Client, make_user: UserFactory) -> None:
    member = await make_user("member")
    await error(await client.get("/api/me"), 401, "unauthenticated")
    await error(await client.get("/api/me", headers={"Authorization": "Bearer nope"}), 401, "unauthenticated")
    await error(await client.get("/api/projects/nope", headers=member.headers), 404, "not_found")
    await error(
        await client.post("/api/orgs", json={"name": "x", "kind": "town"}, headers=member.headers),
        403,
        "forbidden",
    )
    malformed = await client.post(
        "/api/projects", data=b"{not json", headers={**member.headers, "Content-Type": "application/json"}
    )
    await error(malformed, 400, "invalid_request")
    invalid = await client.post(
        "/api/projects", json={"title": "t", "summary": "s", "visibility": "secret"}, headers=member.headers
    )
    body = await error(invalid, 422, "invalid_request")
    assert "visibility" in str(body["error"]["details"])
    await error(await client.get("/api/no-such-thing", headers=member.headers), 404, "not_found")
    await error(await client.put("/api/projects", json={}, headers=member.headers), 405, "invalid_request")
    huge = await client.post(
        "/api/projects", data=io.BytesIO(b"x" * (2 * 1024 * 1024)), headers=member.headers
    )
    await error(huge, 413, "payload_too_large")


# ---------------------------------------------------------------- people, organisations, roles


async def test_login_logout_me(client: Client, make_client: AppFactory, make_user: UserFactory) -> None:
    member = await make_user("member", locale="en", home_hub="bandai")
    response = await client.post("/api/auth/login", json={"email": member.email, "password": member.password})
    body = await ok(response)
    assert set(body) >= {"user", "token"} and isinstance(body["token"], str) and body["token"]
    user_shape(body["user"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert (await ok(await client.get("/api/me")))["id"] == member.id, "the session cookie signs in"
    client.session.cookie_jar.clear()

    me = await ok(await client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"}))
    assert set(me) >= {"id", "email", "name", "role", "org_id", "locale", "home_hub"}
    assert me["id"] == member.id and me["email"] == member.email and me["role"] == "member"
    assert me["locale"] == "en" and me["home_hub"] == "bandai" and me["org_id"] is None

    wrong = await client.post("/api/auth/login", json={"email": member.email, "password": "not-it-at-all"})
    unknown = await client.post(
        "/api/auth/login", json={"email": "no@dejima.test", "password": "not-it-at-all"}
    )
    wrong_body = await error(wrong, 401, "unauthenticated")
    unknown_body = await error(unknown, 401, "unauthenticated")
    assert wrong_body == unknown_body

    logout = await client.post("/api/auth/logout", headers={"Authorization": f"Bearer {body['token']}"})
    assert logout.status in (200, 204)
    await error(
        await client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"}),
        401,
        "unauthenticated",
    )
    other_instance = await make_client()
    await error(
        await other_instance.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"}),
        401,
        "unauthenticated",
    )


async def test_login_throttle_answers_429_with_retry_after(client: Client, make_user: UserFactory) -> None:
    member = await make_user("member")
    for _ in range(30):
        response = await client.post(
            "/api/auth/login", json={"email": member.email, "password": "wrong-password"}
        )
        if response.status == 429:
            break
        await error(response, 401, "unauthenticated")
    await error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 1


async def test_users_and_orgs(client: Client, make_user: UserFactory) -> None:
    admin = await make_user("admin")
    member = await make_user("member")
    partner = await make_user("partner")

    org = await ok(
        await client.post("/api/orgs", json={"name": "会津テック", "kind": "company"}, headers=admin.headers),
        201,
    )
    has_fields(org, id=str, name=str, kind=str)
    assert org["kind"] == "company"
    orgs = await ok(await client.get("/api/orgs", headers=admin.headers))
    assert isinstance(orgs, list) and org["id"] in [o["id"] for o in orgs]
    bad_kind = await client.post("/api/orgs", json={"name": "x", "kind": "guild"}, headers=admin.headers)
    await error(bad_kind, 422, "invalid_request")

    body = {
        "email": "hanako@aizu.example",
        "name": "花子",
        "role": "partner",
        "org_id": org["id"],
        "password": "hanako-password-1",
        "locale": "en",
        "home_hub": "shibuya",
    }
    created = await ok(await client.post("/api/users", json=body, headers=admin.headers), 201)
    user_shape(created)
    assert {k: created[k] for k in ("email", "name", "role", "org_id", "locale", "home_hub")} == {
        k: body[k] for k in ("email", "name", "role", "org_id", "locale", "home_hub")
    }
    assert "password" not in created and "password_hash" not in created
    kiosk = await ok(
        await client.post(
            "/api/users",
            json={"email": "kiosk@bandai.example", "name": "Kiosk", "role": "kiosk", "hub_id": "bandai"},
            headers=admin.headers,
        ),
        201,
    )
    user_shape(kiosk)

    await error(await client.post("/api/users", json=body, headers=member.headers), 403, "forbidden")
    await error(await client.get("/api/users", headers=partner.headers), 403, "forbidden")
    for caller in (admin, member):
        users = await ok(await client.get("/api/users", headers=caller.headers))
        assert isinstance(users, list) and created["id"] in [u["id"] for u in users]
        for user in users:
            user_shape(user)

    patched = await ok(
        await client.patch(f"/api/users/{created['id']}", json={"name": "花子さん"}, headers=admin.headers)
    )
    user_shape(patched)
    assert patched["name"] == "花子さん"
    await error(
        await client.patch(f"/api/users/{created['id']}", json={"name": "x"}, headers=member.headers),
        403,
        "forbidden",
    )


async def test_user_creation_is_idempotent(client: Client, make_user: UserFactory) -> None:
    admin = await make_user("admin")
    headers = {**admin.headers, "Idempotency-Key": "user-1"}
    body = {"email": "taro@example.jp", "name": "太郎", "role": "member"}
    first = await ok(await client.post("/api/users", json=body, headers=headers), 201)
    again = await ok(await client.post("/api/users", json=body, headers=headers), 201)
    assert again == first
    users = await ok(await client.get("/api/users", headers=admin.headers))
    assert [u["email"] for u in users].count("taro@example.jp") == 1

    org_headers = {**admin.headers, "Idempotency-Key": "org-1"}
    first_org = await ok(
        await client.post("/api/orgs", json={"name": "A", "kind": "town"}, headers=org_headers), 201
    )
    again_org = await ok(
        await client.post("/api/orgs", json={"name": "A", "kind": "town"}, headers=org_headers), 201
    )
    assert first_org == again_org
    orgs = await ok(await client.get("/api/orgs", headers=admin.headers))
    assert [o["name"] for o in orgs].count("A") == 1


# ---------------------------------------------------------------- projects


async def test_projects_members_and_join_requests(client: Client, make_user: UserFactory) -> None:
    owner = await make_user("member")
    partner = await make_user("partner")
    other = await make_user("partner")
    viewer = await make_user("member")

    created = await project(client, owner, "internal")
    has_fields(created, id=str, title=str, summary=str, visibility=str, board_id=str, members=list)
    assert created["visibility"] == "internal"
    assert any(m.get("user_id") == owner.id and m.get("role") == "owner" for m in created["members"]), created
    await error(
        await client.post(
            "/api/projects",
            json={"title": "t", "summary": "s", "visibility": "public"},
            headers=partner.headers,
        ),
        403,
        "forbidden",
    )

    listed = await ok(await client.get("/api/projects", headers=owner.headers))
    assert [p["id"] for p in listed] == [created["id"]]
    assert await ok(await client.get("/api/projects", headers=partner.headers)) == []
    got = await ok(await client.get(f"/api/projects/{created['id']}", headers=owner.headers))
    has_fields(got, id=str, title=str, summary=str, visibility=str, board_id=str, members=list)
    await error(await client.get(f"/api/projects/{created['id']}", headers=partner.headers), 404, "not_found")

    add = await client.post(
        f"/api/projects/{created['id']}/members",
        json={"user_id": viewer.id, "role": "viewer"},
        headers=owner.headers,
    )
    assert add.status in (200, 201), await add.text()
    await error(
        await client.post(
            f"/api/projects/{created['id']}/members",
            json={"user_id": partner.id, "role": "editor"},
            headers=viewer.headers,
        ),
        403,
        "forbidden",
    )

    public = await project(client, owner, "public")
    requests = f"/api/projects/{public['id']}/join-requests"
    jr = await ok(
        await client.post(requests, json={"message": "参加したいです"}, headers=partner.headers), 201
    )
    has_fields(jr, id=str, status=str)
    assert jr["status"] == "pending"
    again = await client.post(
        requests, json={"message": "参加したいです"}, headers={**other.headers, "Idempotency-Key": "jr"}
    )
    jr2 = await ok(again, 201)
    replay = await ok(
        await client.post(
            requests, json={"message": "参加したいです"}, headers={**other.headers, "Idempotency-Key": "jr"}
        ),
        201,
    )
    assert replay == jr2

    await error(
        await client.post(f"{requests}/{jr['id']}/approve", headers=partner.headers), 403, "forbidden"
    )
    approved = await ok(await client.post(f"{requests}/{jr['id']}/approve", headers=owner.headers))
    assert approved["status"] == "approved"
    rejected = await ok(await client.post(f"{requests}/{jr2['id']}/reject", headers=owner.headers))
    assert rejected["status"] == "rejected"
    members = (await ok(await client.get(f"/api/projects/{public['id']}", headers=owner.headers)))["members"]
    assert {"user_id": partner.id, "role": "editor"}.items() <= next(
        m for m in members if m["user_id"] == partner.id
    ).items()

    notes = await ok(await client.get("/api/notifications", headers=partner.headers))
    assert isinstance(notes, list) and notes, "the requester is notified of the decision"


async def test_project_creation_is_idempotent(client: Client, make_user: UserFactory) -> None:
    owner = await make_user("member")
    first = await project(client, owner, key="p-1")
    again = await project(client, owner, key="p-1")
    assert again == first
    assert len(await ok(await client.get("/api/projects", headers=owner.headers))) == 1
    # The key is the caller's own: another caller's same key makes their own project.
    colleague = await make_user("member")
    theirs = await project(client, colleague, key="p-1")
    assert theirs["id"] != first["id"]


# ---------------------------------------------------------------- live boards

CARD_FIELDS: dict[str, Any] = {
    "id": str,
    "column_id": str,
    "title": str,
    "description": str,
    "assignees": list,
    "labels": list,
    "position": str,
    "version": int,
    "created_at": "time",
    "updated_at": "time",
}


def card_shape(card: dict[str, Any]) -> None:
    has_fields(card, **CARD_FIELDS)
    assert "due" in card and (card["due"] is None or isinstance(card["due"], str))


async def test_boards_columns_and_cards(client: Client, make_user: UserFactory) -> None:
    owner = await make_user("member")
    editor = await make_user("member")
    outsider = await make_user("partner")
    proj = await project(client, owner, "internal")
    add = await client.post(
        f"/api/projects/{proj['id']}/members",
        json={"user_id": editor.id, "role": "editor"},
        headers=owner.headers,
    )
    assert add.status in (200, 201)
    board_url = f"/api/boards/{proj['board_id']}"

    board = await ok(await client.get(board_url, headers=owner.headers))
    has_fields(board, id=str, project_id=str, title=str, seq=int, columns=list)
    assert board["id"] == proj["board_id"] and board["project_id"] == proj["id"]
    await error(await client.get(board_url, headers=outsider.headers), 404, "not_found")

    todo = await ok(
        await client.post(f"{board_url}/columns", json={"title": "ToDo"}, headers=owner.headers), 201
    )
    has_fields(todo, id=str, title=str, position=str, version=int)
    done = await ok(
        await client.post(
            f"{board_url}/columns", json={"title": "Done", "after": todo["id"]}, headers=owner.headers
        ),
        201,
    )
    col_key = {**owner.headers, "Idempotency-Key": "col-x"}
    extra = await ok(
        await client.post(f"{board_url}/columns", json={"title": "X", "after": None}, headers=col_key), 201
    )
    assert (
        await ok(
            await client.post(f"{board_url}/columns", json={"title": "X", "after": None}, headers=col_key),
            201,
        )
        == extra
    )

    renamed = await ok(
        await client.patch(
            f"/api/columns/{todo['id']}",
            json={"version": todo["version"], "title": "やること"},
            headers=owner.headers,
        )
    )
    assert renamed["title"] == "やること" and renamed["version"] == todo["version"] + 1
    stale = await client.patch(
        f"/api/columns/{todo['id']}", json={"version": todo["version"], "title": "x"}, headers=owner.headers
    )
    body = await error(stale, 409, "conflict")
    assert body["current"]["id"] == todo["id"] and body["current"]["title"] == "やること"
    await ok(
        await client.post(
            f"/api/columns/{extra['id']}/move", json={"after": done["id"]}, headers=owner.headers
        )
    )

    cards_url = f"{board_url}/cards"
    first = await ok(
        await client.post(
            cards_url,
            json={
                "column_id": todo["id"],
                "title": "<b>Wi-Fi</b> 更新",
                "description": "渋谷ハブ",
                "assignees": [editor.id],
                "labels": ["infra"],
                "due": "2026-12-01",
            },
            headers=owner.headers,
        ),
        201,
    )
    card_shape(first)
    assert (
        first["title"] == "<b>Wi-Fi</b> 更新"
        and first["due"] == "2026-12-01"
        and first["assignees"] == [editor.id]
    )
    top = await ok(
        await client.post(cards_url, json={"column_id": todo["id"], "title": "top"}, headers=editor.headers),
        201,
    )
    card_key = {**owner.headers, "Idempotency-Key": "card-1"}
    keyed = await ok(
        await client.post(
            cards_url, json={"column_id": todo["id"], "title": "k", "after": first["id"]}, headers=card_key
        ),
        201,
    )
    assert (
        await ok(
            await client.post(
                cards_url,
                json={"column_id": todo["id"], "title": "k", "after": first["id"]},
                headers=card_key,
            ),
            201,
        )
        == keyed
    )
    await error(
        await client.post(cards_url, json={"column_id": todo["id"], "title": "x"}, headers=outsider.headers),
        404,
        "not_found",
    )

    board = await ok(await client.get(board_url, headers=owner.headers))
    assert [c["id"] for c in board["columns"]] == [todo["id"], done["id"], extra["id"]]
    column = board["columns"][0]
    has_fields(column, id=str, title=str, position=str, version=int, cards=list)
    assert [c["id"] for c in column["cards"]] == [top["id"], first["id"], keyed["id"]], (
        "after null/absent = top"
    )
    for card in column["cards"]:
        card_shape(card)
    positions = [c["position"] for c in column["cards"]]
    assert positions == sorted(positions)

    patched = await ok(
        await client.patch(
            f"/api/cards/{first['id']}",
            json={"version": first["version"], "labels": ["infra", "急ぎ"]},
            headers=editor.headers,
        )
    )
    assert patched["version"] == first["version"] + 1 and patched["labels"] == ["infra", "急ぎ"]
    stale = await client.patch(
        f"/api/cards/{first['id']}", json={"version": first["version"], "title": "old"}, headers=owner.headers
    )
    body = await error(stale, 409, "conflict")
    card_shape(body["current"])
    assert body["current"]["version"] == patched["version"]

    moved = await ok(
        await client.post(
            f"/api/cards/{first['id']}/move",
            json={"column_id": done["id"], "after": None},
            headers=owner.headers,
        )
    )
    card_shape(moved)
    assert moved["column_id"] == done["id"]
    away = await client.post(
        f"/api/cards/{top['id']}/move",
        json={"column_id": todo["id"], "after": first["id"]},
        headers=owner.headers,
    )
    await error(away, 409, "conflict")

    await error(await client.delete(f"/api/columns/{done['id']}", headers=owner.headers), 409, "conflict")
    await ok(await client.post(f"/api/cards/{first['id']}/archive", headers=owner.headers))
    await ok(await client.post(f"/api/cards/{first['id']}/restore", headers=owner.headers))
    await ok(await client.post(f"/api/cards/{first['id']}/archive", headers=owner.headers))
    deleted = await client.delete(f"/api/columns/{done['id']}", headers=owner.headers)
    assert deleted.status in (200, 204), await deleted.text()

    comment_url = f"/api/cards/{top['id']}/comments"
    editor_name = (await ok(await client.get("/api/me", headers=editor.headers)))["name"]
    comment_key = {**owner.headers, "Idempotency-Key": "c-1"}
    comment = await ok(
        await client.post(
            comment_url, json={"body": f"@{editor_name} 確認お願いします"}, headers=comment_key
        ),
        201,
    )
    has_fields(comment, id=str, body=str)
    assert (
        await ok(
            await client.post(
                comment_url, json={"body": f"@{editor_name} 確認お願いします"}, headers=comment_key
            ),
            201,
        )
        == comment
    )
    comments = await ok(await client.get(comment_url, headers=owner.headers))
    assert [c["id"] for c in comments] == [comment["id"]]
    history = await ok(await client.get(f"/api/cards/{first['id']}/history", headers=owner.headers))
    assert isinstance(history, list) and len(history) >= 5
    for entry in history:
        assert isinstance(entry, dict) and any(is_time(v) for v in entry.values()), entry

    # Assigned to a card and mentioned in a comment, in-app at once; being assigned, the editor
    # follows the card, so also hears of its move and its archiving (version 1.1, following).
    notes = await ok(await client.get("/api/notifications?unread=true", headers=editor.headers))
    kinds = sorted(note["kind"] for note in notes)
    assert {"card.assigned", "card.mentioned"} <= set(kinds), notes
    assert set(kinds) <= {"card.assigned", "card.mentioned", "card.moved", "card.archived"}, notes

    final = await ok(await client.get(board_url, headers=owner.headers))
    assert final["seq"] > board["seq"]


# ---------------------------------------------------------------- hubs and check-in

VISITOR = {"name": "山田 太郎", "organization": "磐梯町商工会", "purpose": "meeting", "consent": True}


def checkin_shape(checkin: dict[str, Any]) -> None:
    has_fields(checkin, id=str, hub_id=str, name=str, checked_in_at="time")
    assert "checked_out_at" in checkin


async def test_hubs_and_checkins(client: Client, make_user: UserFactory) -> None:
    admin = await make_user("admin")
    member = await make_user("member")
    kiosk = await make_user("kiosk", hub_id="bandai")

    hubs = await ok(await client.get("/api/hubs", headers=member.headers))
    assert {"bandai", "shibuya"} <= {h["id"] for h in hubs}
    for hub in hubs:
        has_fields(hub, id=str, name=str, timezone=str, capacity=int, occupancy=int, open=str, close=str)
    patched = await ok(
        await client.patch(
            "/api/hubs/bandai", json={"capacity": 3, "name": "磐梯ハブ"}, headers=admin.headers
        )
    )
    assert patched["capacity"] == 3 and patched["name"] == "磐梯ハブ"
    await error(
        await client.patch("/api/hubs/bandai", json={"capacity": 9}, headers=member.headers), 403, "forbidden"
    )

    own = await ok(await client.post("/api/hubs/bandai/checkins", json={}, headers=member.headers), 201)
    checkin_shape(own)
    assert own["hub_id"] == "bandai" and own["checked_out_at"] is None
    key = {**kiosk.headers, "Idempotency-Key": "visit-1"}
    visit = await ok(await client.post("/api/hubs/bandai/checkins", json=VISITOR, headers=key), 201)
    checkin_shape(visit)
    assert visit["name"] == VISITOR["name"] and visit["checked_out_at"] is None
    assert await ok(await client.post("/api/hubs/bandai/checkins", json=VISITOR, headers=key), 201) == visit
    await error(
        await client.post(
            "/api/hubs/bandai/checkins", json={**VISITOR, "consent": False}, headers=kiosk.headers
        ),
        422,
        "invalid_request",
    )
    await error(
        await client.post("/api/hubs/shibuya/checkins", json=VISITOR, headers=kiosk.headers), 403, "forbidden"
    )
    await ok(await client.post("/api/hubs/bandai/checkins", json=VISITOR, headers=admin.headers), 201)
    await error(
        await client.post("/api/hubs/bandai/checkins", json=VISITOR, headers=kiosk.headers), 409, "hub_full"
    )

    active = await ok(await client.get("/api/hubs/bandai/checkins?active=true", headers=kiosk.headers))
    assert len(active) == 3
    for checkin in active:
        checkin_shape(checkin)
    out = await ok(await client.post(f"/api/checkins/{visit['id']}/checkout", headers=kiosk.headers))
    checkin_shape(out)
    assert is_time(out["checked_out_at"])
    assert (
        len(await ok(await client.get("/api/hubs/bandai/checkins?active=true", headers=member.headers))) == 2
    )
    partner = await make_user("partner")
    await error(
        await client.get("/api/hubs/bandai/checkins?active=true", headers=partner.headers), 403, "forbidden"
    )

    today = datetime.now(UTC).date()
    span = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    stats = await ok(await client.get(f"/api/hubs/bandai/stats?{span}", headers=member.headers))
    has_fields(stats, days=list, by_purpose=dict, total=int)
    assert stats["total"] == 3 and stats["by_purpose"].get("meeting") == 2
    assert sum(day["total"] for day in stats["days"]) == 3
    for day in stats["days"]:
        has_fields(day, date=str, total=int, by_purpose=dict)
    await error(
        await client.get("/api/hubs/bandai/stats?from=yesterday", headers=member.headers),
        422,
        "invalid_request",
    )
    csv = await client.get("/api/hubs/bandai/checkins.csv", headers=member.headers)
    assert csv.status == 200 and csv.content_type == "text/csv"
    assert VISITOR["name"] in await csv.text()


# ---------------------------------------------------------------- announcements and notifications


async def test_announcements(client: Client, make_user: UserFactory) -> None:
    author = await make_user("member")
    reader = await make_user("partner")
    other = await make_user("member", home_hub="shibuya")

    body = {
        "title": "停電のお知らせ",
        "body": "11月27日 14時から",
        "audience": {"all": True},
        "priority": "urgent",
    }
    key = {**author.headers, "Idempotency-Key": "a-1"}
    created = await ok(await client.post("/api/announcements", json=body, headers=key), 201)
    has_fields(created, id=str, title=str, body=str, audience=dict, priority=str)
    assert created["audience"] == {"all": True} and created["priority"] == "urgent"
    assert await ok(await client.post("/api/announcements", json=body, headers=key), 201) == created
    await error(await client.post("/api/announcements", json=body, headers=reader.headers), 403, "forbidden")
    bad = await client.post("/api/announcements", json={**body, "priority": "loud"}, headers=author.headers)
    await error(bad, 422, "invalid_request")
    expires = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    hubs_only = await ok(
        await client.post(
            "/api/announcements",
            json={
                **body,
                "title": "渋谷のみ",
                "audience": {"hubs": ["shibuya"]},
                "priority": "normal",
                "expires_at": expires,
            },
            headers=author.headers,
        ),
        201,
    )

    later = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    scheduled = await ok(
        await client.post(
            "/api/announcements", json={**body, "title": "後で", "publish_at": later}, headers=author.headers
        ),
        201,
    )
    assert is_time(scheduled["publish_at"])
    assert datetime.fromisoformat(scheduled["publish_at"]) == datetime.fromisoformat(later)

    received = await ok(await client.get("/api/announcements", headers=reader.headers))
    assert [a["id"] for a in received] == [created["id"]]
    assert [a["id"] for a in await ok(await client.get("/api/announcements", headers=other.headers))] == [
        hubs_only["id"],
        created["id"],
    ]

    ack = await client.post(f"/api/announcements/{created['id']}/ack", headers=reader.headers)
    assert ack.status == 200, await ack.text()
    acks = await ok(await client.get(f"/api/announcements/{created['id']}/acks", headers=author.headers))
    assert set(acks) >= {"acknowledged", "pending"}
    assert [a["user_id"] for a in acks["acknowledged"]] == [reader.id]
    has_fields(acks["acknowledged"][0], user_id=str, at="time")
    assert reader.id not in acks["pending"] and other.id in acks["pending"]
    await error(
        await client.get(f"/api/announcements/{created['id']}/acks", headers=reader.headers), 403, "forbidden"
    )


async def test_notifications_and_preferences(client: Client, make_user: UserFactory) -> None:
    author = await make_user("admin")
    reader = await make_user("member")
    body = {"title": "全体会議", "body": "金曜 10時", "audience": {"all": True}, "priority": "normal"}
    await ok(await client.post("/api/announcements", json=body, headers=author.headers), 201)

    unread = await ok(await client.get("/api/notifications?unread=true", headers=reader.headers))
    assert isinstance(unread, list) and len(unread) == 1
    note = unread[0]
    has_fields(note, id=str, created_at="time")
    read = await client.post(f"/api/notifications/{note['id']}/read", headers=reader.headers)
    assert read.status == 200, await read.text()
    assert await ok(await client.get("/api/notifications?unread=true", headers=reader.headers)) == []
    assert len(await ok(await client.get("/api/notifications", headers=reader.headers))) == 1
    await error(
        await client.post(f"/api/notifications/{note['id']}/read", headers=author.headers), 404, "not_found"
    )

    prefs = await ok(await client.get("/api/me/preferences", headers=reader.headers))
    has_fields(prefs, email=bool, line=bool, locale=str)
    assert "quiet_hours" in prefs
    wanted = {"email": True, "line": False, "quiet_hours": {"start": "22:00", "end": "07:00"}, "locale": "en"}
    put = await ok(await client.put("/api/me/preferences", json=wanted, headers=reader.headers))
    assert {k: put[k] for k in wanted} == wanted
    assert {
        k: v
        for k, v in (await ok(await client.get("/api/me/preferences", headers=reader.headers))).items()
        if k in wanted
    } == wanted
    cleared = await ok(
        await client.put("/api/me/preferences", json={**wanted, "quiet_hours": None}, headers=reader.headers)
    )
    assert cleared["quiet_hours"] is None
    bad = await client.put("/api/me/preferences", json={**wanted, "locale": "fr"}, headers=reader.headers)
    await error(bad, 422, "invalid_request")


async def test_partner_webhooks(client: Client, make_client: AppFactory, make_user: UserFactory) -> None:
    # No network here: the receiver is on loopback, which only an instance told so accepts.
    trusting = await make_client(webhook_allow_private=True)
    admin = await make_user("admin")
    org = await ok(
        await client.post("/api/orgs", json={"name": "会津テック", "kind": "company"}, headers=admin.headers),
        201,
    )
    other_org = await ok(
        await client.post("/api/orgs", json={"name": "別会社", "kind": "company"}, headers=admin.headers), 201
    )
    partner = await make_user("partner", org_id=org["id"])
    url = f"/api/orgs/{org['id']}/webhooks"
    body = {"url": "http://127.0.0.1:9/dejima", "events": ["card.*", "announcement.published"]}
    await error(await client.post(url, json=body, headers=partner.headers), 422, "invalid_request")

    key = {**partner.headers, "Idempotency-Key": "wh-1"}
    created = await ok(await trusting.post(url, json=body, headers=key), 201)
    has_fields(created, id=str, url=str, events=list, secret=str)
    assert sorted(created["events"]) == sorted(body["events"]) and created["secret"]
    assert await ok(await trusting.post(url, json=body, headers=key), 201) == created
    listed = await ok(await client.get(url, headers=partner.headers))
    assert [w["id"] for w in listed] == [created["id"]]
    assert all("secret" not in w or not w["secret"] for w in listed), "the secret is shown once"
    # Another organisation's hooks are not even shown to exist (the contract leaves 403/404 open).
    await error(
        await trusting.post(f"/api/orgs/{other_org['id']}/webhooks", json=body, headers=partner.headers),
        404,
        "not_found",
    )
    deliveries = await ok(await client.get(f"{url}/{created['id']}/deliveries", headers=partner.headers))
    assert isinstance(deliveries, list)
