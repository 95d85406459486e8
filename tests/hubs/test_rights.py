"""Who may do what at a hub: kiosks act for their own hub only, names reach only those who may see them."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import UserFactory
from tests.hubs.conftest import VISITOR, check_in


async def test_kiosk_of_another_hub_is_refused(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    shibuya_kiosk = await make_user("kiosk", hub_id="shibuya")
    bandai_kiosk = await make_user("kiosk", hub_id="bandai")
    response = await check_in(client, shibuya_kiosk.headers, "bandai")
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "forbidden"
    listed = await client.get("/api/hubs/bandai/checkins?active=true", headers=shibuya_kiosk.headers)
    assert listed.status == 403
    visitor = await (await check_in(client, bandai_kiosk.headers, "bandai")).json()
    checkout = await client.post(f"/api/checkins/{visitor['id']}/checkout", headers=shibuya_kiosk.headers)
    assert checkout.status == 403
    # A kiosk is a device: it never checks itself in.
    assert (await check_in(client, bandai_kiosk.headers, "bandai", {})).status == 422
    assert (await client.get("/api/hubs", headers=bandai_kiosk.headers)).status == 200


async def test_partners_see_counts_not_names(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    kiosk = await make_user("kiosk", hub_id="bandai")
    partner = await make_user("partner")
    member = await make_user("member")
    await check_in(client, kiosk.headers)
    assert (await client.get("/api/hubs/bandai/checkins?active=true", headers=partner.headers)).status == 403
    # A partner may not check visitors in either.
    assert (await check_in(client, partner.headers)).status == 403

    seen = await (await client.get("/api/hubs/bandai/snapshot", headers=partner.headers)).json()
    assert seen["hub"]["occupancy"] == 1
    assert seen["checkins"] is None
    assert VISITOR["name"] not in str(seen)
    staff = await (await client.get("/api/hubs/bandai/snapshot", headers=member.headers)).json()
    assert [c["name"] for c in staff["checkins"]] == [VISITOR["name"]]
    assert staff["seq"] == seen["seq"]


async def test_contacts_are_for_staff_only(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    kiosk = await make_user("kiosk", hub_id="bandai")
    member = await make_user("member")
    await check_in(client, kiosk.headers, body={**VISITOR, "contact": "yamada@example.jp"})
    by_kiosk = await (await client.get("/api/hubs/bandai/checkins?active=true", headers=kiosk.headers)).json()
    by_staff = await (
        await client.get("/api/hubs/bandai/checkins?active=true", headers=member.headers)
    ).json()
    assert by_kiosk[0]["contact"] is None
    assert by_staff[0]["contact"] == "yamada@example.jp"


async def test_csv_and_stats_only_for_staff(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    for role, hub_id in (("partner", None), ("kiosk", "bandai")):
        account = await make_user(role, hub_id=hub_id)
        csv = await client.get("/api/hubs/bandai/checkins.csv", headers=account.headers)
        assert csv.status == 403, role
        assert (await client.get("/api/hubs/bandai/stats", headers=account.headers)).status == 403
    member = await make_user("member")
    assert (await client.get("/api/hubs/bandai/checkins.csv", headers=member.headers)).status == 200
    client.session.cookie_jar.clear()  # signing in above left a session cookie
    assert (await client.get("/api/hubs/bandai/checkins.csv")).status == 401


async def test_only_admins_change_hubs_and_erase(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    member = await make_user("member")
    admin = await make_user("admin")
    assert (
        await client.patch("/api/hubs/bandai", json={"capacity": 5}, headers=member.headers)
    ).status == 403
    visitor = await (await check_in(client, member.headers)).json()
    assert (await client.post(f"/api/checkins/{visitor['id']}/erase", headers=member.headers)).status == 403
    changed = await client.patch(
        "/api/hubs/bandai",
        json={"capacity": 5, "close": "20:30", "name": "磐梯町ハブ"},
        headers=admin.headers,
    )
    assert changed.status == 200
    body = await changed.json()
    assert (body["capacity"], body["close"], body["name"], body["occupancy"]) == (5, "20:30", "磐梯町ハブ", 1)
    assert (
        await client.patch("/api/hubs/nowhere", json={"capacity": 5}, headers=admin.headers)
    ).status == 404
    assert (await check_in(client, admin.headers, "nowhere", {})).status == 404
