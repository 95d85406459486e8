"""Check-in and check-out through the API: who may, what is stored, what each caller sees."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from hub import keys
from tests.conftest import AppFactory, UserFactory
from tests.hubs.conftest import VISITOR, check_in, hub_of


async def test_seeded_hubs_are_listed(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    partner = await make_user("partner")
    response = await client.get("/api/hubs", headers=partner.headers)
    assert response.status == 200
    hubs = await response.json()
    assert [h["id"] for h in hubs] == ["bandai", "shibuya"]
    for hub in hubs:
        assert set(hub) == {"id", "name", "timezone", "capacity", "occupancy", "open", "close"}
        assert hub["timezone"] == "Asia/Tokyo"
        assert hub["occupancy"] == 0


async def test_self_check_in_and_out(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    member = await make_user("member", name="佐藤 淳一")
    response = await check_in(client, member.headers, body={})
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["hub_id"] == "bandai"
    assert body["name"] == "佐藤 淳一"
    assert body["checked_out_at"] is None
    assert body["checked_in_at"].endswith("Z")
    assert (await hub_of(client, member.headers, "bandai"))["occupancy"] == 1

    out = await client.post(f"/api/checkins/{body['id']}/checkout", headers=member.headers)
    assert out.status == 200
    assert (await out.json())["checked_out_at"] is not None
    assert (await hub_of(client, member.headers, "bandai"))["occupancy"] == 0


async def test_visitor_check_in_by_kiosk(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    kiosk = await make_user("kiosk", hub_id="bandai")
    response = await check_in(client, kiosk.headers, body={**VISITOR, "contact": "090-1234-5678"})
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["name"] == VISITOR["name"]
    assert body["contact"] is None  # a kiosk screen never shows contacts
    listed = await client.get("/api/hubs/bandai/checkins?active=true", headers=kiosk.headers)
    assert [c["name"] for c in await listed.json()] == [VISITOR["name"]]


async def test_idempotency_key_returns_the_first_answer(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    kiosk = await make_user("kiosk", hub_id="bandai")
    headers = {**kiosk.headers, "Idempotency-Key": "tap-1"}
    first = await check_in(client, headers)
    again = await check_in(client, headers)
    assert first.status == 201
    assert again.status in (200, 201)
    assert (await again.json())["id"] == (await first.json())["id"]
    assert (await hub_of(client, kiosk.headers, "bandai"))["occupancy"] == 1
    other = await check_in(client, {**kiosk.headers, "Idempotency-Key": "tap-2"})
    assert other.status == 201
    assert (await hub_of(client, kiosk.headers, "bandai"))["occupancy"] == 2


async def test_checking_in_at_the_other_hub_ends_the_first(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    member = await make_user("member")
    bandai = await (await check_in(client, member.headers, "bandai", {})).json()
    again = await check_in(client, member.headers, "bandai", {})
    assert again.status == 200 and (await again.json())["id"] == bandai["id"]  # already in: no twin
    shibuya = await check_in(client, member.headers, "shibuya", {})
    assert shibuya.status == 201
    assert (await hub_of(client, member.headers, "bandai"))["occupancy"] == 0
    assert (await hub_of(client, member.headers, "shibuya"))["occupancy"] == 1
    listed = await client.get("/api/hubs/bandai/checkins", headers=member.headers)
    (ended,) = [c for c in await listed.json() if c["id"] == bandai["id"]]
    assert ended["checked_out_at"] is not None and ended["ended_by"] == "moved"


async def test_simultaneous_check_ins_of_one_person_leave_one_open(
    make_client: AppFactory, make_user: UserFactory
) -> None:
    first, second = await make_client(), await make_client()
    member = await make_user("member")
    results = await asyncio.gather(
        *(
            check_in((first, second)[n % 2], member.headers, ("bandai", "shibuya")[n % 2], {})
            for n in range(6)
        )
    )
    assert all(r.status in (200, 201) for r in results)
    open_in = [await hub_of(first, member.headers, h) for h in ("bandai", "shibuya")]
    assert sum(h["occupancy"] for h in open_in) == 1


async def test_staff_and_the_hubs_kiosk_check_people_out(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    kiosk = await make_user("kiosk", hub_id="bandai")
    member = await make_user("member")
    partner = await make_user("partner")
    visitor = await (await check_in(client, kiosk.headers)).json()
    own = await (await check_in(client, partner.headers, body={})).json()

    # A partner may end their own check-in, not a visitor's (whom they cannot see).
    refused = await client.post(f"/api/checkins/{visitor['id']}/checkout", headers=partner.headers)
    assert refused.status == 404
    assert (await client.post(f"/api/checkins/{own['id']}/checkout", headers=partner.headers)).status == 200
    by_kiosk = await client.post(f"/api/checkins/{visitor['id']}/checkout", headers=kiosk.headers)
    assert by_kiosk.status == 200
    assert (await by_kiosk.json())["ended_by"] == "kiosk"
    # Checking out twice changes nothing and answers the check-in as it is.
    twice = await client.post(f"/api/checkins/{visitor['id']}/checkout", headers=member.headers)
    assert twice.status == 200
    assert (await twice.json())["ended_by"] == "kiosk"
    assert (await hub_of(client, member.headers, "bandai"))["occupancy"] == 0


async def test_a_full_hub_refuses_with_hub_full(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    admin = await make_user("admin")
    await client.patch("/api/hubs/bandai", json={"capacity": 1}, headers=admin.headers)
    assert (await check_in(client, admin.headers)).status == 201
    member = await make_user("member")
    full = await check_in(client, member.headers, body={})
    assert full.status == 409
    error = (await full.json())["error"]
    assert error["code"] == "hub_full"
    assert error["details"] == {"capacity": 1, "occupancy": 1}


async def test_a_lease_left_by_a_dead_process_expires(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    member = await make_user("member")
    db = client.app[keys.DB]
    # A process took the member's lease and died long ago.
    await db["checkin_leases"].insert_one({"_id": member.id, "until_ms": 0, "token": "dead"})
    assert (await check_in(client, member.headers, body={})).status == 201
    assert await db["checkin_leases"].count_documents({}) == 0
