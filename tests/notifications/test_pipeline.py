"""The pipeline from a cause to records, events and deliveries: in-app through the user's channel,
exactly once under races, causes from other packages, failures that stay visible, preferences."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from hub.notifications.channel import user_channel
from hub.services import Services
from tests.conftest import UserFactory
from tests.notifications.fakes import Mailbox
from tests.notifications.fixtures import deliver_all

CONTENT = {
    "ja": {"title": "会議室の予約", "body": "明日 10 時から"},
    "en": {"title": "Room booked", "body": "10 am"},
}


async def _notify(services: Services, cause_id: str, user_ids: list[str]) -> None:
    await services.notifications.notifier.notify(
        cause_id=cause_id, kind="announcement", user_ids=user_ids, data={"x": 1}, content=CONTENT
    )


async def test_in_app_record_event_unread_count_and_read(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services
) -> None:
    reader = await make_user("member")
    other = await make_user("member", locale="en")
    await _notify(services, "cause-1", [reader.id, other.id])

    [event] = await services.events.since(user_channel(reader.id), 0)
    assert event.event == "notification.created"
    assert event.data["user_id"] == reader.id and event.data["data"]["title"] == "会議室の予約"
    [english] = await services.events.since(user_channel(other.id), 0)
    assert english.data["data"]["title"] == "Room booked"

    listed = await (await client.get("/api/notifications?unread=true", headers=reader.headers)).json()
    assert [(n["id"], n["read"]) for n in listed] == [(event.data["id"], False)]
    count = await (await client.get("/api/notifications/unread-count", headers=reader.headers)).json()
    assert count == {"unread": 1}

    # Someone else's notification is not there for you.
    assert (
        await client.post(f"/api/notifications/{event.data['id']}/read", headers=other.headers)
    ).status == 404
    read = await client.post(f"/api/notifications/{event.data['id']}/read", headers=reader.headers)
    assert read.status == 200 and (await read.json())["read"] is True
    assert (
        await client.post(f"/api/notifications/{event.data['id']}/read", headers=reader.headers)
    ).status == 200
    events = await services.events.since(user_channel(reader.id), 0)
    assert [e.event for e in events] == ["notification.created", "notification.read"]  # read once
    assert await (await client.get("/api/notifications?unread=true", headers=reader.headers)).json() == []
    count = await (await client.get("/api/notifications/unread-count", headers=reader.headers)).json()
    assert count == {"unread": 0}
    assert len(await (await client.get("/api/notifications", headers=reader.headers)).json()) == 1
    assert (await client.get("/api/notifications?limit=0", headers=reader.headers)).status == 422


async def test_the_same_cause_racing_with_itself_notifies_once(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    reader = await make_user("member")
    await asyncio.gather(*(_notify(services, "cause-2", [reader.id]) for _ in range(4)))
    await asyncio.gather(*(services.notifications.notifier.fanout("cause-2") for _ in range(2)))
    # As if a crashed run had left it pending: it is run again.
    await services.db["notification_causes"].update_one({"_id": "cause-2"}, {"$set": {"state": "pending"}})
    await services.notifications.notifier.fanout("cause-2")
    await asyncio.gather(deliver_all(services), deliver_all(services))

    events = await services.events.since(user_channel(reader.id), 0)
    assert [e.event for e in events] == ["notification.created"]
    assert await services.notifications.outbox.count({"user_id": reader.id, "channel": "email"}) == 1
    assert len(box.to(reader.email)) == 1


async def test_a_decided_join_request_notifies_the_requester(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    owner = await make_user("member")
    requester = await make_user("partner")
    created = await client.post(
        "/api/projects", json={"title": "除雪 DX", "visibility": "public"}, headers=owner.headers
    )
    project = await created.json()
    asked = await client.post(
        f"/api/projects/{project['id']}/join-requests",
        json={"message": "参加したいです"},
        headers=requester.headers,
    )
    request_id = (await asked.json())["id"]
    decided = await client.post(
        f"/api/projects/{project['id']}/join-requests/{request_id}/approve", headers=owner.headers
    )
    assert decided.status == 200, await decided.text()
    await deliver_all(services)  # the sweeper fans out causes recorded by other packages

    [notification] = await (await client.get("/api/notifications", headers=requester.headers)).json()
    assert notification["kind"] == "join_request.decided"
    assert notification["data"]["title"] == "参加申請が承認されました"
    assert "除雪 DX" in notification["data"]["body"]
    [message] = box.to(requester.email)
    assert message["Subject"] == "参加申請が承認されました"


async def test_a_refused_address_fails_at_once_and_admins_see_it(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    admin = await make_user("admin")
    gone = await make_user("member", email="gone@dejima.test")
    box.refuse.add("gone@dejima.test")
    await _notify(services, "cause-3", [gone.id])
    await deliver_all(services)
    failed = await (
        await client.get("/api/deliveries?state=failed&channel=email", headers=admin.headers)
    ).json()
    assert [(d["user_id"], d["attempts"], d["last_status"]) for d in failed] == [(gone.id, 1, 550)]
    assert "No such user" in failed[0]["last_error"]
    assert (await client.get("/api/deliveries?state=nonsense", headers=admin.headers)).status == 422


async def test_preferences_are_validated_and_the_locale_is_the_account_locale(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    person = await make_user("member")
    defaults = await (await client.get("/api/me/preferences", headers=person.headers)).json()
    assert defaults == {
        "email": True,
        "line": True,
        "quiet_hours": None,
        "locale": "ja",
        "time_zone": None,
        "digest": "off",
        "line_linked": False,
    }
    body = {"email": False, "line": True, "quiet_hours": {"start": "22:00", "end": "07:00"}, "locale": "en"}
    saved = await client.put("/api/me/preferences", json=body, headers=person.headers)
    assert saved.status == 200
    assert (await saved.json())["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    assert (await (await client.get("/api/me", headers=person.headers)).json())["locale"] == "en"
    for bad in (
        {**body, "quiet_hours": {"start": "25:00", "end": "07:00"}},
        {**body, "quiet_hours": {"start": "07:00", "end": "07:00"}},
        {**body, "locale": "fr"},
        {**body, "time_zone": "Mars/Olympus"},
        {**body, "digest": "weekly"},
        {**body, "extra": 1},
        {"email": True},
    ):
        response = await client.put("/api/me/preferences", json=bad, headers=person.headers)
        assert response.status == 422, bad
    assert (await (await client.get("/api/me/preferences", headers=person.headers)).json())["email"] is False
    assert (await client.get("/api/me/preferences")).status == 401
