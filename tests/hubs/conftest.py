"""Helpers of the hubs tests."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

VISITOR = {"name": "山田 太郎", "organization": "磐梯町商工会", "purpose": "meeting", "consent": True}


async def check_in(
    client: TestClient[Any, Any],
    headers: dict[str, str],
    hub: str = "bandai",
    body: dict[str, Any] | None = None,
) -> Any:
    response = await client.post(
        f"/api/hubs/{hub}/checkins", json=VISITOR if body is None else body, headers=headers
    )
    return response


async def hub_of(client: TestClient[Any, Any], headers: dict[str, str], hub: str) -> dict[str, Any]:
    response = await client.get("/api/hubs", headers=headers)
    assert response.status == 200
    hubs: list[dict[str, Any]] = await response.json()
    return next(h for h in hubs if h["id"] == hub)
