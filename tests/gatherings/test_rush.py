"""Seats stay exact under a rush over two hub instances; the rest wait in order of arrival, and a
cancellation promotes the first that fit, who are told."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from hub import keys
from tests.conftest import AppFactory, UserFactory
from tests.gatherings.conftest import event_of, new_event


async def test_200_registrations_for_30_seats_over_two_instances(
    make_client: AppFactory,
    make_user: UserFactory,
    client: TestClient[Any, Any],
) -> None:
    first = await make_client(event_registrations_per_address=1000)
    second = await make_client(event_registrations_per_address=1000)
    host = await make_user("member")
    event = await new_event(first, host.headers, capacity=30)
    path = f"/api/public/events/{event['id']}/registrations"

    async def one(n: int) -> dict[str, Any]:
        body = {"name": f"参加者 {n}", "email": f"p{n}@example.jp", "consent": True}
        response = await (first, second)[n % 2].post(path, json=body)
        assert response.status == 201, await response.text()
        out: dict[str, Any] = await response.json()
        return out

    results = await asyncio.gather(*(one(n) for n in range(200)))
    statuses = [r["status"] for r in results]
    assert statuses.count("registered") == 30
    assert statuses.count("waitlisted") == 170
    assert len({r["code"] for r in results}) == 200
    for instance in (first, second):
        counts = await event_of(instance, event["id"])
        assert (counts["registered"], counts["waitlisted"]) == (30, 170)

    # Arrival order is the order of the channel's events: the 30 seats went to the first 30 logged.
    db = client.app[keys.SERVICES].db
    stored = await db["gathering_registrations"].find({"event_id": event["id"]}).sort("order", 1).to_list()
    assert [r["order"] for r in stored] == list(range(1, 201))
    assert [r["status"] for r in stored] == ["registered"] * 30 + ["waitlisted"] * 170
    log = await client.app[keys.SERVICES].events.since("hub:bandai", 0)
    registered_counts = [e.data["registered"] for e in log if e.event == "event.registration"]
    assert registered_counts == sorted(registered_counts) and max(registered_counts) == 30

    # Two registered people cancel: the first two waiting, in arrival order, get their seats and are told.
    by_id = {r["id"]: r for r in results}
    leaving = [by_id[stored[0]["_id"]], by_id[stored[1]["_id"]]]
    await asyncio.gather(
        *(
            (first, second)[i].post(f"/api/public/registrations/{r['id']}/cancel", json={"code": r["code"]})
            for i, r in enumerate(leaving)
        )
    )
    after = await db["gathering_registrations"].find({"event_id": event["id"]}).sort("order", 1).to_list()
    assert [r["status"] for r in after[:33]] == ["cancelled"] * 2 + ["registered"] * 30 + ["waitlisted"]
    assert (await event_of(second, event["id"]))["registered"] == 30
    # The two promoted are told (the e-mail is queued in the outbox; SMTP itself is tested with fewer
    # messages in test_registration.py); the next in line is not.
    outbox = db["deliveries"]
    for promoted in after[30:32]:
        told = await outbox.find_one({"_id": f"ev_promoted_{promoted['_id']}"})
        assert told is not None and told["to_email"] == promoted["email"] and "確定" in told["subject"]
    assert await outbox.find_one({"_id": f"ev_promoted_{after[32]['_id']}"}) is None


async def test_promotion_skips_a_party_too_large(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    host = await make_user("member")
    event = await new_event(client, host.headers, capacity=4)
    path = f"/api/public/events/{event['id']}/registrations"
    guests = []
    for size in (3, 1, 4, 2, 1):
        response = await client.post(path, json={"name": f"組 {size}", "party_size": size, "consent": True})
        guests.append(await response.json())
    assert [g["status"] for g in guests] == [
        "registered",
        "registered",
        "waitlisted",
        "waitlisted",
        "waitlisted",
    ]
    # Three seats come free: the party of 4 does not fit, the 2 and the 1 behind it do.
    response = await client.post(
        f"/api/public/registrations/{guests[0]['id']}/cancel", json={"code": guests[0]["code"]}
    )
    assert response.status == 200
    rows = await (await client.get(f"/api/events/{event['id']}/registrations", headers=host.headers)).json()
    assert [r["status"] for r in rows] == [
        "cancelled",
        "registered",
        "waitlisted",
        "registered",
        "registered",
    ]
    counts = await event_of(client, event["id"])
    assert (counts["registered"], counts["waitlisted"]) == (4, 4)
    # A larger capacity promotes the party of 4.
    grown = await client.patch(f"/api/events/{event['id']}", json={"capacity": 8}, headers=host.headers)
    assert grown.status == 200
    assert ((await grown.json())["registered"], (await grown.json())["waitlisted"]) == (8, 0)
