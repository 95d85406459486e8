"""Arriving with a registration code at the kiosk: one check-in per code, only at the event's hub in
its window, never for a waitlisted or cancelled code; the host is told once; attended counts seats."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient

from hub.services import Services
from tests.conftest import UserFactory
from tests.gatherings.conftest import at, event_of, new_event, register


async def arrive(
    client: TestClient[Any, Any], headers: dict[str, str], code: str, hub: str = "bandai"
) -> Any:
    return await client.post(f"/api/hubs/{hub}/checkins", json={"registration_code": code}, headers=headers)


async def test_kiosk_checks_a_code_in_once_and_tells_the_host_once(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services
) -> None:
    host = await make_user("member")
    kiosk = await make_user("kiosk", hub_id="bandai")
    event = await new_event(client, host.headers, starts_at=at(1.5), ends_at=at(3), capacity=5)
    guest = await register(client, event["id"], party_size=3)

    first = await arrive(client, kiosk.headers, guest["code"].lower())
    assert first.status == 201, await first.text()
    checkin = await first.json()
    assert checkin["purpose"] == "event" and checkin["event_id"] == event["id"]
    assert checkin["name"] == "磐梯 花子" and checkin["kind"] == "visitor" and checkin["hub_id"] == "bandai"
    again = await arrive(client, kiosk.headers, guest["code"])
    assert again.status == 200
    assert (await again.json())["id"] == checkin["id"]
    counts = await event_of(client, event["id"])
    assert (counts["registered"], counts["attended"]) == (3, 3)
    # Staff check a code in too (here: the same one again, the same check-in).
    staff = await arrive(client, (await make_user("admin")).headers, guest["code"])
    assert staff.status == 200 and (await staff.json())["id"] == checkin["id"]

    notices = await (await client.get("/api/notifications", headers=host.headers)).json()
    arrivals = [n for n in notices if n["kind"] == "event.arrival"]
    assert len(arrivals) == 1, notices
    rows = await (await client.get(f"/api/events/{event['id']}/registrations", headers=host.headers)).json()
    assert rows[0]["arrived"] is True and rows[0]["arrived_at"] is not None
    # An arrived registration is not cancelled any more.
    cancel = await client.post(
        f"/api/public/registrations/{guest['id']}/cancel", json={"code": guest["code"]}
    )
    assert cancel.status == 409


async def test_refusals_are_409_with_a_sentence_in_both_languages(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    host = await make_user("member")
    bandai, shibuya = await make_user("kiosk", hub_id="bandai"), await make_user("kiosk", hub_id="shibuya")
    now = await new_event(client, host.headers, starts_at=at(-0.5), ends_at=at(1), capacity=1)
    early = await new_event(client, host.headers, starts_at=at(2.5), ends_at=at(4))
    seated = await register(client, now["id"])
    waiting = await register(client, now["id"])
    assert waiting["status"] == "waitlisted"
    too_early = await register(client, early["id"])
    gone = await register(client, early["id"])
    await client.post(f"/api/public/registrations/{gone['id']}/cancel", json={"code": gone["code"]})

    async def refused(code: str, kiosk: Any, hub: str, reason: str) -> None:
        response = await arrive(client, kiosk.headers, code, hub=hub)
        assert response.status == 409, await response.text()
        error = (await response.json())["error"]
        assert error["details"]["reason"] == reason
        assert error["details"]["ja"] and error["details"]["en"] == error["message"]

    await refused(seated["code"], shibuya, "shibuya", "wrong_hub")
    await refused(waiting["code"], bandai, "bandai", "waitlisted")
    await refused(too_early["code"], bandai, "bandai", "too_early")
    await refused(gone["code"], bandai, "bandai", "cancelled")
    # Nothing was checked in by the refusals.
    assert (await event_of(client, now["id"]))["attended"] == 0
    # An unknown code is a 404; a kiosk of one hub cannot check in at the other (403).
    assert (await arrive(client, bandai.headers, "ZZZZZZ")).status == 404
    assert (await arrive(client, shibuya.headers, seated["code"], hub="bandai")).status == 403
    partner = await make_user("partner")
    assert (await arrive(client, partner.headers, seated["code"])).status == 403
    assert (await arrive(client, bandai.headers, "abc")).status == 422

    # After the end: refused.
    await client.patch(
        f"/api/events/{now['id']}", json={"starts_at": at(-3), "ends_at": at(-0.1)}, headers=host.headers
    )
    await refused(seated["code"], bandai, "bandai", "ended")
    # A cancelled event: refused.
    await client.post(f"/api/events/{early['id']}/cancel", headers=host.headers)
    await refused(too_early["code"], bandai, "bandai", "event_cancelled")


async def test_attendance_in_the_hub_stats(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    host = await make_user("member")
    kiosk = await make_user("kiosk", hub_id="bandai")
    event = await new_event(client, host.headers, starts_at=at(0.5), ends_at=at(2), capacity=10)
    came = await register(client, event["id"], party_size=4)
    await register(client, event["id"], party_size=2)
    assert (await arrive(client, kiosk.headers, came["code"])).status == 201
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    days = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    stats = await (await client.get(f"/api/hubs/bandai/stats?{days}", headers=host.headers)).json()
    assert [(e["event_id"], e["registered"], e["attended"]) for e in stats["events"]] == [(event["id"], 6, 4)]
    assert stats["by_purpose"]["event"] == 1
    other = await (await client.get(f"/api/hubs/shibuya/stats?{days}", headers=host.headers)).json()
    assert other["events"] == []
