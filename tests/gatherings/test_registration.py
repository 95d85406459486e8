"""Registering without an account: the code, consent, closed events, cancelling by code, the rate
limit, signed-in registration, and the confirmation e-mail through the real SMTP server."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from hub.limits import EVENT_CODE_ALPHABET
from hub.services import Services
from tests.conftest import AppFactory, UserFactory
from tests.gatherings.conftest import at, event_of, new_event, register
from tests.notifications.fakes import FakeLine, Mailbox
from tests.notifications.fixtures import deliver_all

CODE = re.compile(f"^[{EVENT_CODE_ALPHABET}]{{6}}$")


async def test_register_get_code_cancel_with_it(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    host = await make_user("member")
    event = await new_event(client, host.headers, capacity=3)
    first = await register(client, event["id"], email="hanako@example.jp", party_size=2)
    assert first["status"] == "registered" and first["party_size"] == 2 and first["name"] == "磐梯 花子"
    assert CODE.match(first["code"]), first["code"]
    second = await register(client, event["id"], party_size=2)
    assert second["status"] == "waitlisted"
    assert second["code"] != first["code"]
    counts = await event_of(client, event["id"])
    assert (counts["registered"], counts["waitlisted"], counts["attended"]) == (2, 2, 0)

    # A wrong code is a 404, like an unknown registration; nothing changes.
    wrong = "A" * 6 if first["code"] != "A" * 6 else "B" * 6
    response = await client.post(f"/api/public/registrations/{first['id']}/cancel", json={"code": wrong})
    assert response.status == 404
    response = await client.post("/api/public/registrations/nope/cancel", json={"code": first["code"]})
    assert response.status == 404
    # The right code (typed in lower case) cancels, and the waiting party of two gets the seats.
    response = await client.post(
        f"/api/public/registrations/{first['id']}/cancel", json={"code": first["code"].lower()}
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["status"] == "cancelled"
    counts = await event_of(client, event["id"])
    assert (counts["registered"], counts["waitlisted"]) == (2, 0)
    again = await client.post(f"/api/public/registrations/{first['id']}/cancel", json={"code": first["code"]})
    assert again.status == 200 and (await again.json())["status"] == "cancelled"

    await deliver_all(services)
    box, _ = mailbox
    mails = box.to("hanako@example.jp")
    assert len(mails) == 2, [m["Subject"] for m in mails]
    confirmation = mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert first["code"] in confirmation
    link = f"http://dejima.test/events/{event['id']}?registration={first['id']}&code={first['code']}"
    assert link in confirmation
    assert "取り消" in str(mails[1]["Subject"])


async def test_consent_party_and_closed_events(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    host = await make_user("member")
    event = await new_event(client, host.headers)
    path = f"/api/public/events/{event['id']}/registrations"
    for body in (
        {"name": "A"},
        {"name": "A", "consent": False},
        {"name": "A", "consent": "yes"},
        {"name": "A", "consent": True, "party_size": 6},
        {"name": "A", "consent": True, "party_size": 0},
        {"name": "", "consent": True},
        {"name": "A", "consent": True, "email": "not an address"},
    ):
        response = await client.post(path, json=body)
        assert response.status == 422, (body, await response.text())
    assert (await event_of(client, event["id"]))["registered"] == 0

    ended = await new_event(client, host.headers, starts_at=at(-3), ends_at=at(-1))
    response = await client.post(
        f"/api/public/events/{ended['id']}/registrations", json={"name": "A", "consent": True}
    )
    assert response.status == 409
    cancelled = await client.post(f"/api/events/{event['id']}/cancel", headers=host.headers)
    assert cancelled.status == 200 and (await cancelled.json())["status"] == "cancelled"
    response = await client.post(path, json={"name": "A", "consent": True})
    assert response.status == 409
    assert (
        await client.post("/api/public/events/nope/registrations", json={"name": "A", "consent": True})
    ).status == 404


async def test_an_event_made_internal_takes_no_more_public_registrations_at_once(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    """The registration's early read of its event is reused for a moment during a rush; the seats
    are decided at the channel's head, where the event is internal now."""
    host = await make_user("member")
    event = await new_event(client, host.headers)
    await register(client, event["id"])
    patched = await client.patch(
        f"/api/events/{event['id']}", json={"visibility": "internal"}, headers=host.headers
    )
    assert patched.status == 200, await patched.text()
    response = await client.post(
        f"/api/public/events/{event['id']}/registrations", json={"name": "B", "consent": True}
    )
    assert response.status == 404
    response = await client.get(f"/api/events/{event['id']}", headers=host.headers)
    counts = await response.json()
    assert (counts["registered"], counts["waitlisted"]) == (1, 0)


async def test_internal_events_are_not_public(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    host = await make_user("member")
    partner = await make_user("partner")
    internal = await new_event(client, host.headers, visibility="internal")
    public = await new_event(client, host.headers, starts_at=at(24), ends_at=at(25))
    assert (await client.get(f"/api/public/events/{internal['id']}")).status == 404
    response = await client.post(
        f"/api/public/events/{internal['id']}/registrations", json={"name": "A", "consent": True}
    )
    assert response.status == 404
    listed = await (await client.get("/api/public/events")).json()
    assert [e["id"] for e in listed] == [public["id"]]
    assert listed[0]["retention_days"] == 90
    assert (await client.get(f"/api/events/{internal['id']}", headers=partner.headers)).status == 404
    mine = await (await client.get("/api/events", headers=partner.headers)).json()
    assert [e["id"] for e in mine] == [public["id"]]
    staff = await (await client.get("/api/events?hub_id=bandai", headers=host.headers)).json()
    assert [e["id"] for e in staff] == [public["id"], internal["id"]]


async def test_rights_on_events(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    host, other, partner = await make_user("member"), await make_user("member"), await make_user("partner")
    admin = await make_user("admin")
    body = {"title": "x", "hub_id": "bandai", "starts_at": at(1), "ends_at": at(2), "capacity": 5}
    assert (await client.post("/api/events", json=body, headers=partner.headers)).status == 403
    assert (await client.post("/api/events", json=body)).status == 401
    bad = {**body, "ends_at": at(0.5)}
    assert (await client.post("/api/events", json=bad, headers=host.headers)).status == 422
    assert (
        await client.post("/api/events", json={**body, "hub_id": "nowhere"}, headers=host.headers)
    ).status == 404
    event = await new_event(client, host.headers, capacity=2)
    path = f"/api/events/{event['id']}"
    assert (await client.patch(path, json={"title": "y"}, headers=other.headers)).status == 403
    changed = await client.patch(path, json={"title": "新しい題"}, headers=admin.headers)
    assert changed.status == 200 and (await changed.json())["title"] == "新しい題"
    moved = await client.patch(path, json={"hub_id": "shibuya"}, headers=host.headers)
    assert moved.status == 409
    backwards = await client.patch(path, json={"ends_at": at(1)}, headers=host.headers)
    assert backwards.status == 422
    assert (await backwards.json())["error"]["details"]["fields"][0]["path"] == "ends_at"
    for bad_body in (
        {"capacity": 0},
        {"title": None},
        {"starts_at": "2026-01-01T00:00:00"},
        {"color": "red"},
    ):
        assert (await client.patch(path, json=bad_body, headers=host.headers)).status == 422, bad_body
    await register(client, event["id"], party_size=2)
    smaller = await client.patch(path, json={"capacity": 1}, headers=host.headers)
    assert smaller.status == 409
    assert (await client.post(f"{path}/cancel", headers=other.headers)).status == 403
    # The host's view and its CSV: for the host, admins and members; not for partners.
    assert (await client.get(f"{path}/registrations", headers=partner.headers)).status == 404
    rows = await (await client.get(f"{path}/registrations", headers=host.headers)).json()
    assert [(r["name"], r["status"], r["arrived"]) for r in rows] == [("磐梯 花子", "registered", False)]


async def test_csv_is_formula_safe(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    host = await make_user("member")
    event = await new_event(client, host.headers)
    await register(client, event["id"], name='=HYPERLINK("http://x")')
    response = await client.get(f"/api/events/{event['id']}/registrations.csv", headers=host.headers)
    assert response.status == 200
    text = (await response.read()).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


async def test_signed_in_one_click_and_rate_limit(
    make_client: AppFactory, make_user: UserFactory, client: TestClient[Any, Any]
) -> None:
    host = await make_user("member")
    partner = await make_user("partner")
    event = await new_event(client, host.headers)
    path = f"/api/events/{event['id']}/registrations"
    first = await client.post(path, json={}, headers=partner.headers)
    assert first.status == 201, await first.text()
    again = await client.post(path, json={"party_size": 3}, headers=partner.headers)
    assert again.status == 200
    assert (await again.json())["id"] == (await first.json())["id"]
    assert (await first.json())["name"] == "Partner 2"

    limited = await make_client(event_registrations_per_address=2)
    for _ in range(2):
        await register(limited, event["id"])
    response = await limited.post(
        f"/api/public/events/{event['id']}/registrations", json={"name": "A", "consent": True}
    )
    assert response.status == 429
    assert int(response.headers["Retry-After"]) >= 1


async def test_registrants_are_told_of_a_new_time_and_of_the_cancellation(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    mailbox: tuple[Mailbox, int],
) -> None:
    host, member = await make_user("member"), await make_user("member")
    event = await new_event(client, host.headers)
    await register(client, event["id"], email="told@example.jp")
    await register(client, event["id"])  # no contact: nobody to tell
    response = await client.post(f"/api/events/{event['id']}/registrations", json={}, headers=member.headers)
    assert response.status == 201
    path = f"/api/events/{event['id']}"
    assert (await client.patch(path, json={"title": "題だけ"}, headers=host.headers)).status == 200
    assert (await client.patch(path, json={"starts_at": at(47)}, headers=host.headers)).status == 200
    assert (await client.post(f"{path}/cancel", headers=host.headers)).status == 200
    again = await client.post(f"{path}/cancel", headers=host.headers)
    assert again.status == 200 and (await again.json())["status"] == "cancelled"
    await deliver_all(services)
    box, _ = mailbox
    subjects = [str(m["Subject"]) for m in box.to("told@example.jp")]
    assert subjects == [
        "参加登録を受け付けました: スマホ教室",
        "イベントの内容が変わりました: 題だけ",
        "イベントは中止になりました: 題だけ",
    ], subjects
    # The member with an account is told in the app, once each.
    notices = await (await client.get("/api/notifications", headers=member.headers)).json()
    kinds = sorted(n["kind"] for n in notices)
    assert kinds == ["event.cancelled", "event.changed", "event.confirmed"], kinds


async def test_bad_input_is_a_clear_4xx(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    host = await make_user("member")
    event = await new_event(client, host.headers)
    assert (await client.get("/api/events?from=yesterday", headers=host.headers)).status == 422
    assert (await client.get("/api/events?color=red", headers=host.headers)).status == 422
    assert (await client.get("/api/events/nope", headers=host.headers)).status == 404
    assert (await client.get("/api/public/events/nope")).status == 404
    assert (await client.get("/api/public/codes/abc.svg")).status == 404
    qr = await client.get("/api/public/codes/ABC234.svg")
    assert qr.status == 200 and qr.content_type == "image/svg+xml" and b"<svg" in await qr.read()
    cancel = f"/api/public/registrations/{event['id']}/cancel"
    for body in ({}, {"code": "12"}, {"code": 123456}, {"code": "ABCDEF", "x": 1}):
        assert (await client.post(cancel, json=body)).status == 422, body
    path = f"/api/public/events/{event['id']}/registrations"
    assert (
        await client.post(path, data=b"not json", headers={"Content-Type": "application/json"})
    ).status in (
        400,
        422,
    )
    assert (await client.post(path, json=[1, 2])).status == 422
    assert (await client.post(path, json={"name": "A\u0007B", "consent": True})).status == 422
    assert (
        await client.post(path, json={"name": "A", "consent": True, "line_user_id": "nope"})
    ).status == 422


async def test_a_registrant_with_line_gets_the_code_on_line(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    line_api: tuple[FakeLine, str],
) -> None:
    host = await make_user("member")
    event = await new_event(client, host.headers)
    line_id = "U" + "0123456789abcdef" * 2
    guest = await register(client, event["id"], line_user_id=line_id)
    await deliver_all(services)
    fake, _ = line_api
    sent = [call for call in fake.calls if call.status == 200]
    assert len(sent) == 1 and sent[0].to == [line_id], fake.calls
    assert guest["code"] in sent[0].text and "参加登録を受け付けました" in sent[0].text
    assert "http://dejima.test/events/" in sent[0].text  # the cancel link


async def test_the_calendar_feed_lists_registered_events(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    host, member = await make_user("member"), await make_user("partner")
    event = await new_event(client, host.headers, title="防災ワークショップ", capacity=1)
    other = await new_event(client, host.headers, title="見ない会")
    await register(client, event["id"])  # someone else takes the seat
    response = await client.post(f"/api/events/{event['id']}/registrations", json={}, headers=member.headers)
    assert (await response.json())["status"] == "waitlisted"
    url = (await (await client.post("/api/me/calendar", headers=member.headers)).json())["url"]
    path = url.split("dejima.test", 1)[1]
    feed = await (await client.get(path)).text()
    assert f"UID:event-{event['id']}@dejima" in feed
    assert "防災ワークショップ（キャンセル待ち）" in feed and "見ない会" not in feed
    assert other["id"] not in feed
    await client.post(f"/api/events/{event['id']}/cancel", headers=host.headers)
    assert "STATUS:CANCELLED" in await (await client.get(path)).text()
