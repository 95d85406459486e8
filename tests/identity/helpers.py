"""Small assertions shared by the identity and projects tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from itertools import count
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from hub import keys
from tests.conftest import Account


async def expect_error(response: ClientResponse, status: int, code: str) -> dict[str, Any]:
    """The contract's error body with this status and code; returns the ``error`` object."""
    text = await response.text()
    assert response.status == status, f"{response.status} != {status}: {text}"
    body = await response.json()
    assert set(body) >= {"error"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return dict(body["error"])


def field_paths(error: dict[str, Any]) -> set[str]:
    return {item["path"] for item in error.get("details", {}).get("fields", [])}


def quick_user_factory(client: TestClient[Any, Any]) -> Callable[..., Awaitable[Account]]:
    """Like ``make_user`` without a password: a session is opened directly, skipping two argon2
    runs per account (tests of rights need many accounts, not sign-in)."""
    services = client.app[keys.SERVICES]
    numbers = count(1)

    async def factory(role: str = "member", **fields: Any) -> Account:
        number = next(numbers)
        email = fields.pop("email", f"q{role}{number}@dejima.test")
        name = fields.pop("name", f"{role.title()} {number}")
        user = await services.identity.users.create(email=email, name=name, role=role, **fields)
        token = await services.identity.sessions.open(user.id)
        return Account(id=user.id, email=email, password="", token=token)

    return factory
