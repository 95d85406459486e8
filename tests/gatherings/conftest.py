"""Fixtures of the events-at-the-hubs tests: the notification tests' real SMTP server and fast
accounts (tests/notifications/fixtures.py), and helpers that act as a user would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from tests.notifications.fixtures import *  # noqa: F403

GUEST = {"name": "磐梯 花子", "party_size": 1, "consent": True}


def at(hours: float) -> str:
    """A time ``hours`` from now (real clock), as the API takes it."""
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


async def new_event(client: TestClient[Any, Any], headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {
        "title": "スマホ教室",
        "description": "はじめてのスマートフォン",
        "hub_id": "bandai",
        "starts_at": at(48),
        "ends_at": at(50),
        "capacity": 30,
        "visibility": "public",
        **fields,
    }
    response = await client.post("/api/events", json=body, headers=headers)
    assert response.status == 201, await response.text()
    event: dict[str, Any] = await response.json()
    return event


async def register(
    client: TestClient[Any, Any], event_id: str, *, status: int = 201, **fields: Any
) -> dict[str, Any]:
    response = await client.post(f"/api/public/events/{event_id}/registrations", json={**GUEST, **fields})
    assert response.status == status, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def event_of(client: TestClient[Any, Any], event_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/public/events/{event_id}")
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body
