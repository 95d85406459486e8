"""Fixtures of the hardening tests (issue 11): quick accounts and boards, sockets, organisations."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.boards.conftest import board, make_board, person
from tests.conftest import Account
from tests.realtime.conftest import connect_ws

__all__ = ["board", "connect_ws", "make_board", "person"]

Client = TestClient[Any, Any]


async def new_org(client: Client, admin: Account, name: str = "会津テック") -> str:
    response = await client.post("/api/orgs", json={"name": name, "kind": "company"}, headers=admin.headers)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def error_of(response: Any, status: int) -> dict[str, Any]:
    """The contract's error body of a response that must have ``status``."""
    assert response.status == status, (response.status, await response.text())
    body: dict[str, Any] = await response.json()
    return body["error"]  # type: ignore[no-any-return]
