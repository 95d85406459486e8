"""A scheduled announcement is published on time by exactly one of two running workers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from hub.notifications.channel import user_channel
from hub.services import Services
from schemas.common import utc_now
from tests.conftest import UserFactory
from tests.notifications.fakes import Mailbox
from tests.notifications.fixtures import WorkerFactory, eventually


async def test_published_on_time_once_with_two_workers(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    run_worker: WorkerFactory,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, _ = mailbox
    author = await make_user("member")
    readers = [await make_user("member") for _ in range(3)]
    await run_worker()
    await run_worker()
    publish_at = utc_now() + timedelta(seconds=3)
    body = {"title": "明朝の除雪", "body": "6 時から除雪車が入ります。", "audience": {"all": True},
            "publish_at": publish_at.isoformat()}  # fmt: skip
    response = await client.post("/api/announcements", json=body, headers=author.headers)
    assert response.status == 201
    created = await response.json()
    assert created["status"] == "scheduled" and created["published_at"] is None
    assert await (await client.get("/api/announcements", headers=readers[0].headers)).json() == []

    async def published() -> bool:
        listed = await (await client.get("/api/announcements?authored=true", headers=author.headers)).json()
        return bool(listed[0]["status"] == "published")

    await eventually(published, timeout_s=20)
    [out] = await (await client.get("/api/announcements?authored=true", headers=author.headers)).json()
    published_at = datetime.fromisoformat(out["published_at"])
    assert publish_at <= published_at < publish_at + timedelta(seconds=3)

    async def mailed() -> bool:
        return all(len(box.to(reader.email)) >= 1 for reader in readers)

    await eventually(mailed, timeout_s=20)
    events = await services.events.since("announcements", 0)
    assert [(e.event, e.data["id"]) for e in events] == [("announcement.published", created["id"])]
    for reader in readers:
        created_events = [e for e in await services.events.since(user_channel(reader.id), 0)]
        assert [e.event for e in created_events] == ["notification.created"]
        assert len(box.to(reader.email)) == 1
        assert [
            a["id"] for a in await (await client.get("/api/announcements", headers=reader.headers)).json()
        ] == [created["id"]]
