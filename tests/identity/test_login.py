"""Sign-in: tokens and cookies, identical failures, logout everywhere."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import AppFactory, UserFactory


async def test_first_admin_is_created_from_settings(client: TestClient[Any, Any]) -> None:
    response = await client.post(
        "/api/auth/login", json={"email": "ADMIN@dejima.test", "password": "admin-password-1"}
    )
    assert response.status == 200
    body = await response.json()
    assert body["user"]["role"] == "admin"
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert (await me.json())["email"] == "admin@dejima.test"


async def test_unknown_email_and_wrong_password_answer_alike(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    account = await make_user("member")
    wrong = await client.post("/api/auth/login", json={"email": account.email, "password": "nope"})
    unknown = await client.post("/api/auth/login", json={"email": "who@dejima.test", "password": "nope"})
    assert wrong.status == unknown.status == 401
    assert await wrong.json() == await unknown.json()


async def test_logout_is_seen_by_another_instance(make_client: AppFactory, make_user: UserFactory) -> None:
    account = await make_user("member")
    other = await make_client()
    assert (await other.get("/api/me", headers=account.headers)).status == 200
    first = await make_client()
    assert (await first.post("/api/auth/logout", headers=account.headers)).status == 204
    response = await other.get("/api/me", headers=account.headers)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthenticated"
