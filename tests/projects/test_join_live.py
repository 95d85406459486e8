"""The requester's open pages learn of a decision at once (issue 11, item 13): the notification is an
event on their ``user:`` channel, published on the bus every instance's sockets listen to, like
every other notification (not left for the instances' periodic look at the log to find)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from hub.events.bus import events_topic
from tests.conftest import UserFactory
from tests.projects.conftest import create_project
from tests.realtime.conftest import Connect, connect_ws  # noqa: F401  (the fixture)


async def _published(redis: Redis, topic: str, *, within_s: float) -> list[dict[str, Any]]:
    """What is published on ``topic`` within ``within_s``."""
    pubsub = redis.pubsub()
    await pubsub.subscribe(topic)
    received: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + within_s
    try:
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if message is not None:
                received.append(json.loads(message["data"]))
        return received
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()


@pytest.mark.parametrize("decision", ["approve", "reject"])
async def test_the_requester_sees_the_decision_live(
    client: TestClient[Any, Any],
    quick_user: UserFactory,
    redis: Redis,
    connect_ws: Connect,  # noqa: F811
    decision: str,
) -> None:
    owner = await quick_user("member", name="佐藤 淳一")
    partner = await quick_user("partner", name="田中 健", org_id="aizu")
    project = await create_project(client, owner, visibility="public", title="磐梯町 DX ラボ")
    asked = await client.post(
        f"/api/projects/{project['id']}/join-requests",
        json={"message": "協力できます"},
        headers=partner.headers,
    )
    assert asked.status == 201
    request = await asked.json()
    page = await connect_ws(client, token=partner.token)
    await page.subscribe(f"user:{partner.id}")
    bus = asyncio.create_task(_published(redis, events_topic(f"user:{partner.id}"), within_s=3))
    await asyncio.sleep(0.2)  # the bus listener is subscribed

    decided = await client.post(
        f"/api/projects/{project['id']}/join-requests/{request['id']}/{decision}", headers=owner.headers
    )
    assert decided.status == 200

    [event] = await page.events(1, within_s=5)
    assert event["event"] == "notification.created"
    assert event["data"]["kind"] == "join_request.decided"
    assert event["data"]["data"]["project_title"] == "磐梯町 DX ラボ"
    assert event["data"]["data"]["status"] == ("approved" if decision == "approve" else "rejected")
    # Pushed: the other instances' sockets got it from the bus, as the page above did.
    assert [(e["event"], e["seq"]) for e in await bus] == [("notification.created", event["seq"])]
    # The live event is the record a reload shows.
    listed = await (await client.get("/api/notifications", headers=partner.headers)).json()
    assert [item["id"] for item in listed if item["kind"] == "join_request.decided"] == [event["data"]["id"]]
