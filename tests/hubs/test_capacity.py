"""Capacity is exact under a burst of check-ins arriving at two hub instances at once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hub import keys
from tests.conftest import AppFactory, UserFactory
from tests.hubs.conftest import VISITOR
from tests.realtime.conftest import Connect, connect_ws  # noqa: F401  (the fixture)


async def test_burst_of_50_into_capacity_20_from_two_instances(
    make_client: AppFactory,
    make_user: UserFactory,
    connect_ws: Connect,  # noqa: F811
) -> None:
    first, second = await make_client(), await make_client()
    admin = await make_user("admin")
    watcher = await connect_ws(first, token=(await make_user("partner")).token)
    staff = [await make_user("member"), await make_user("member")]
    patched = await first.patch("/api/hubs/shibuya", json={"capacity": 20}, headers=admin.headers)
    assert patched.status == 200
    subscribed = await watcher.subscribe("hub:shibuya")

    async def one(n: int) -> tuple[int, dict[str, Any]]:
        client = (first, second)[n % 2]
        body = {**VISITOR, "name": f"来訪者 {n}"}
        response = await client.post("/api/hubs/shibuya/checkins", json=body, headers=staff[n % 2].headers)
        return response.status, await response.json()

    started = time.monotonic()
    results = await asyncio.gather(*(one(n) for n in range(50)))
    elapsed = time.monotonic() - started
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 20, statuses
    assert statuses.count(409) == 30, statuses
    assert {body["error"]["code"] for status, body in results if status == 409} == {"hub_full"}

    hubs = await (await second.get("/api/hubs", headers=admin.headers)).json()
    assert next(h for h in hubs if h["id"] == "shibuya")["occupancy"] == 20
    events = await first.app[keys.SERVICES].events.since("hub:shibuya", 0)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert sum(e.event == "checkin.created" for e in events) == 20
    occupancy = [e.data["occupancy"] for e in events if e.event == "hub.occupancy"]
    assert len(occupancy) == 20
    assert max(occupancy) == 20 and occupancy[-1] == 20
    # A live subscriber sees the same: 20 check-ins, and occupancy never above 20, ending at 20.
    live = await watcher.events(40)
    assert [e["seq"] for e in live] == list(range(subscribed["seq"] + 1, subscribed["seq"] + 41))
    live_occupancy = [e["data"]["occupancy"] for e in live if e["event"] == "hub.occupancy"]
    assert live_occupancy == occupancy
    print(f"50 check-ins over two instances in {elapsed:.2f} s")


async def test_a_check_out_at_one_instance_frees_the_seat_at_the_other(
    make_client: AppFactory, make_user: UserFactory
) -> None:
    """Each instance counts a hub's open check-ins from what it remembers at the channel's head;
    what the other instance changed in between (a check-in, a check-out) is counted there too."""
    first, second = await make_client(), await make_client()
    admin = await make_user("admin")
    staff = await make_user("member")
    assert (await first.patch("/api/hubs/shibuya", json={"capacity": 2}, headers=admin.headers)).status == 200

    async def visit(client: Any, n: int) -> tuple[int, dict[str, Any]]:
        body = {**VISITOR, "name": f"来訪者 {n}"}
        response = await client.post("/api/hubs/shibuya/checkins", json=body, headers=staff.headers)
        return response.status, await response.json()

    one = await visit(first, 1)
    two = await visit(second, 2)
    assert (one[0], two[0]) == (201, 201)
    assert (await visit(first, 3))[0] == 409  # full, counted at the first with the second's check-in
    out = await second.post(f"/api/checkins/{one[1]['id']}/checkout", headers=staff.headers)
    assert out.status == 200
    assert (await visit(first, 4))[0] == 201  # the seat freed at the other instance
    assert (await visit(second, 5))[0] == 409
    assert (await visit(first, 6))[0] == 409
    events = await first.app[keys.SERVICES].events.since("hub:shibuya", 0)
    assert [e.data["occupancy"] for e in events if e.event == "hub.occupancy"] == [1, 2, 1, 2]
    hubs = await (await first.get("/api/hubs", headers=admin.headers)).json()
    assert next(h for h in hubs if h["id"] == "shibuya")["occupancy"] == 2
