"""Channel ``hub:{id}`` over real sockets: one copy per right, the same seqs, presence metas' hub."""

from __future__ import annotations

from typing import Any

from tests.conftest import AppFactory, UserFactory
from tests.hubs.conftest import VISITOR, check_in
from tests.realtime.conftest import Connect, connect_ws  # noqa: F401  (the fixture)


async def test_partners_get_counts_and_staff_get_names(
    make_client: AppFactory,
    make_user: UserFactory,
    connect_ws: Connect,  # noqa: F811
) -> None:
    first, second = await make_client(), await make_client()
    member, partner = await make_user("member"), await make_user("partner")
    kiosk = await make_user("kiosk", hub_id="bandai")
    staff_socket = await connect_ws(first, token=member.token)
    partner_socket = await connect_ws(first, token=partner.token)
    await staff_socket.subscribe("hub:bandai")
    await partner_socket.subscribe("hub:bandai")

    body = {**VISITOR, "contact": "090-0000-1111"}
    created = await (await check_in(second, kiosk.headers, "bandai", body)).json()
    await check_in(second, kiosk.headers, "bandai", {**VISITOR, "name": "二人目"})
    await second.post(f"/api/checkins/{created['id']}/checkout", headers=kiosk.headers)

    staff_events = await staff_socket.events(6)
    partner_events = await partner_socket.events(6)
    assert [e["event"] for e in staff_events] == [
        "checkin.created",
        "hub.occupancy",
        "checkin.created",
        "hub.occupancy",
        "checkin.ended",
        "hub.occupancy",
    ]
    assert [(e["seq"], e["event"]) for e in partner_events] == [(e["seq"], e["event"]) for e in staff_events]
    assert staff_events[0]["data"]["name"] == VISITOR["name"]
    assert staff_events[0]["actor"]["id"] == kiosk.id
    for event in partner_events:
        assert "name" not in event["data"] and "organization" not in event["data"]
        if event["event"].startswith("checkin."):
            assert event["actor"] is None
    text = str(partner_events)
    assert VISITOR["name"] not in text and "二人目" not in text
    assert "090-0000-1111" not in str(staff_events)  # contacts never travel on channels
    assert [e["data"]["occupancy"] for e in partner_events if e["event"] == "hub.occupancy"] == [1, 2, 1]


async def test_replay_with_since_is_redacted_too(
    client: Any,
    make_user: UserFactory,
    connect_ws: Connect,  # noqa: F811
) -> None:
    kiosk, partner = await make_user("kiosk", hub_id="shibuya"), await make_user("partner")
    await check_in(client, kiosk.headers, "shibuya")
    socket = await connect_ws(client, token=partner.token)
    subscribed = await socket.subscribe("hub:shibuya", since=0)
    replayed = await socket.events(subscribed["seq"])
    assert [e["event"] for e in replayed] == ["hub.created", "checkin.created", "hub.occupancy"]
    assert VISITOR["name"] not in str(replayed)


async def test_presence_metas_carry_the_hub_of_a_check_in(
    make_client: AppFactory,
    make_user: UserFactory,
    connect_ws: Connect,  # noqa: F811
) -> None:
    first, second = await make_client(), await make_client()
    member = await make_user("member")
    socket = await connect_ws(first, token=member.token)
    await socket.subscribe("hub:shibuya")
    state = await socket.expect("presence_state", channel="hub:shibuya")
    assert state["members"][member.id]["metas"][0]["hub"] is None

    checkin = await (await check_in(second, member.headers, "shibuya", {})).json()
    diff = await socket.expect("presence_diff", channel="hub:shibuya")
    assert diff["joins"][member.id]["metas"][0]["hub"] == "shibuya"
    await check_in(second, member.headers, "bandai", {})  # moves: ends Shibuya, begins Bandai
    diff = await socket.expect("presence_diff", channel="hub:shibuya")
    assert diff["joins"][member.id]["metas"][0]["hub"] == "bandai"
    listed = await (await second.get("/api/hubs/shibuya/checkins", headers=member.headers)).json()
    assert [c["ended_by"] for c in listed if c["id"] == checkin["id"]] == ["moved"]
    bandai = await (await second.get("/api/hubs/bandai/checkins?active=true", headers=member.headers)).json()
    await second.post(f"/api/checkins/{bandai[0]['id']}/checkout", headers=member.headers)
    diff = await socket.expect("presence_diff", channel="hub:shibuya")
    assert diff["joins"][member.id]["metas"][0]["hub"] is None


async def test_unknown_hub_channel_is_not_found(
    client: Any,
    make_user: UserFactory,
    connect_ws: Connect,  # noqa: F811
) -> None:
    partner = await make_user("partner")
    socket = await connect_ws(client, token=partner.token)
    await socket.send(type="subscribe", channel="hub:atlantis", ref="x")
    error = await socket.expect("error", ref="x")
    assert error["code"] == "not_found"
