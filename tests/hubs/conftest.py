"""Helpers of the hubs tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub import keys
from hub.principal import Principal
from hub.services import Services, build_services
from hub.settings import Settings
from tests.conftest import Account

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


class FakeClock:
    """ "Now" as the test says; handed to the domain services and to the cron jobs' context."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Clocked:
    services: Services
    clock: FakeClock

    @property
    def ctx(self) -> dict[str, Any]:
        """An arq job context as the worker's on_startup builds it, with the test's clock."""
        return {"services": self.services, "clock": self.clock}

    async def principal(self, account: Account) -> Principal:
        principal = await self.services.identity.sessions.authenticate(account.token)
        assert principal is not None
        return principal


@pytest.fixture
async def clocked(client: TestClient[Any, Any], settings: Settings) -> Clocked:
    """The domain services on the test's database, running on a clock the test sets."""
    app_services = client.app[keys.SERVICES]
    clock = FakeClock(datetime(2026, 11, 27, 0, 0, tzinfo=UTC))
    services = build_services(settings=settings, db=app_services.db, redis=app_services.redis, clock=clock)
    return Clocked(services=services, clock=clock)
