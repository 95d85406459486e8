"""Check-in and check-out through the API: who may, what is stored, what each caller sees."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import UserFactory
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
