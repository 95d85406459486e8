"""Announcements: who may write them, who they reach (all, hubs, projects — and nobody else),
bilingual text per reader, the reader's list, acknowledgements, and bad input that stores nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from hub.services import Services
from schemas.announcements import AnnouncementIn
from schemas.common import utc_now
from tests.conftest import Account, UserFactory
from tests.notifications.fakes import FakeClock
from tests.notifications.fixtures import principal_of

NOTICE: dict[str, Any] = {"title": "臨時休館", "body": "本日は臨時休館です。", "audience": {"all": True}}


async def _announce(client: TestClient[Any, Any], who: Account, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/announcements", json={**NOTICE, **fields}, headers=who.headers)
    assert response.status == 201, await response.text()
    out: dict[str, Any] = await response.json()
    return out


async def _received(client: TestClient[Any, Any], who: Account) -> list[str]:
    return [a["id"] for a in await (await client.get("/api/announcements", headers=who.headers)).json()]


async def test_only_admins_and_members_announce(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    for role in ("partner", "kiosk"):
        who = await make_user(role, hub_id="bandai" if role == "kiosk" else None)
        response = await client.post("/api/announcements", json=NOTICE, headers=who.headers)
        assert response.status == 403 and (await response.json())["error"]["code"] == "forbidden"
    assert (await client.post("/api/announcements", json=NOTICE)).status == 401
    assert (await _announce(client, await make_user("admin")))["status"] == "published"
    out = await _announce(client, await make_user("member"))
    assert out["status"] == "published" and out["published_at"] is not None and out["priority"] == "normal"


async def test_bad_input_is_refused_and_nothing_is_stored(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services
) -> None:
    author = await make_user("member")
    owner = await make_user("member")
    secret = await client.post(
        "/api/projects", json={"title": "秘", "visibility": "private"}, headers=owner.headers
    )
    secret_id = (await secret.json())["id"]
    later = utc_now() + timedelta(hours=2)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"audience": {"hubs": ["bandai", "atlantis"]}}, "audience.hubs.1"),
        ({"audience": {"projects": ["no-such-project"]}}, "audience.projects.0"),
        ({"audience": {"projects": [secret_id]}}, "audience.projects.0"),  # not readable by the author
        (
            {"publish_at": later.isoformat(), "expires_at": (later - timedelta(minutes=1)).isoformat()},
            "expires_at",
        ),
        ({"expires_at": (utc_now() - timedelta(minutes=1)).isoformat()}, "expires_at"),
        ({"body": "a" * 100_000}, "body"),
        ({"body_en": "b" * 100_000, "title_en": "x"}, "body_en"),
        ({"audience": {"all": True, "hubs": ["bandai"]}}, "audience"),
        ({"audience": {"all": False}}, "audience.all"),
        ({"audience": {"hubs": []}}, "audience.hubs"),
        ({"title_en": "English title only"}, "(body)"),
        ({"priority": "very"}, "priority"),
        ({"publish_at": "2026-12-01T09:00:00"}, "publish_at"),  # no time zone
        ({"color": "red"}, "color"),
    ]
    for fields, path in cases:
        response = await client.post("/api/announcements", json={**NOTICE, **fields}, headers=author.headers)
        assert response.status == 422, (fields, await response.text())
        body = await response.json()
        assert body["error"]["code"] == "invalid_request"
        assert any(f["path"].startswith(path) for f in body["error"]["details"]["fields"]), (path, body)
    malformed = await client.post("/api/announcements", data=b"{not json", headers=author.headers)
    assert malformed.status == 400
    assert await services.db["announcements"].count_documents({}) == 0
    assert await services.db["notification_causes"].count_documents({}) == 0
    assert await services.events.head("announcements") == 0


async def test_a_hub_notice_reaches_home_hub_people_and_those_checked_in_there_only(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services
) -> None:
    author = await make_user("member", home_hub="shibuya")
    home = [await make_user("member", home_hub="bandai"), await make_user("partner", home_hub="bandai")]
    elsewhere = await make_user("member", home_hub="shibuya")
    visiting = await make_user("partner")
    at_shibuya = await make_user("member")
    kiosk = await make_user("kiosk", hub_id="bandai")
    for who, hub in ((visiting, "bandai"), (at_shibuya, "shibuya")):
        response = await client.post(f"/api/hubs/{hub}/checkins", json={}, headers=who.headers)
        assert response.status == 201, await response.text()
    out = await _announce(client, author, audience={"hubs": ["bandai"]})

    reached = {who.id for who in (*home, visiting)}
    everyone = (*home, visiting, elsewhere, at_shibuya, kiosk, author)
    assert {who.id for who in everyone if out["id"] in await _received(client, who)} == reached
    acks = await (await client.get(f"/api/announcements/{out['id']}/acks", headers=author.headers)).json()
    assert set(acks["pending"]) == reached and acks["acknowledged"] == []
    assert {p["user_id"]: p["home_hub"] for p in acks["people"]}[visiting.id] is None
    posted = [
        e.data["id"]
        for e in await services.events.since("hub:bandai", 0)
        if e.event == "announcement.published"
    ]
    assert posted == [out["id"]]
    assert all(e.event != "announcement.published" for e in await services.events.since("hub:shibuya", 0))
    assert await services.events.head("announcements") == 0


async def test_a_project_notice_reaches_its_members_only(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    owner = await make_user("member")
    editor = await make_user("partner")
    outsider = await make_user("member")
    created = await client.post(
        "/api/projects", json={"title": "観光 DX", "visibility": "public"}, headers=owner.headers
    )
    project = await created.json()
    added = await client.post(
        f"/api/projects/{project['id']}/members",
        json={"user_id": editor.id, "role": "editor"},
        headers=owner.headers,
    )
    assert added.status in (200, 201)
    out = await _announce(client, owner, audience={"projects": [project["id"]]})
    assert out["id"] in await _received(client, owner) and out["id"] in await _received(client, editor)
    assert await _received(client, outsider) == []
    assert (await client.get(f"/api/announcements/{out['id']}", headers=outsider.headers)).status == 404


async def test_everyone_gets_their_own_language(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    author = await make_user("member")
    ja = await make_user("member")
    en = await make_user("partner", locale="en")
    kiosk = await make_user("kiosk", hub_id="bandai")
    await _announce(client, author, title_en="Closed today", body_en="The hub is closed today.")
    await _announce(client, author, title="日本語のみ", body="英語なし")

    def titles(listed: list[dict[str, Any]]) -> list[str]:
        return [n["data"]["title"] for n in listed]

    assert titles(await (await client.get("/api/notifications", headers=ja.headers)).json()) == [
        "日本語のみ",
        "臨時休館",
    ]
    assert titles(await (await client.get("/api/notifications", headers=en.headers)).json()) == [
        "日本語のみ",
        "Closed today",
    ]
    assert await (await client.get("/api/notifications", headers=kiosk.headers)).json() == []
    listed = await (await client.get("/api/announcements", headers=en.headers)).json()
    assert [(a["title"], a["title_en"]) for a in listed] == [
        ("日本語のみ", None),
        ("臨時休館", "Closed today"),
    ]


async def test_the_list_is_newest_first_and_drops_expired_notices(
    client: TestClient[Any, Any], make_user: UserFactory, timed: Services, clock: FakeClock
) -> None:
    author = await principal_of(timed, (await make_user("member")).id)
    reader = await principal_of(timed, (await make_user("member")).id)
    first = await timed.announcements.service.create(
        author,
        AnnouncementIn.model_validate({**NOTICE, "expires_at": clock() + timedelta(hours=1)}),
        key=None,
    )
    clock.advance(60)
    second = await timed.announcements.service.create(
        author, AnnouncementIn.model_validate({**NOTICE, "title": "二つ目"}), key=None
    )
    assert [a.id for a in await timed.announcements.reads.received(reader, limit=10)] == [second.id, first.id]
    clock.advance(3600)
    assert [a.id for a in await timed.announcements.reads.received(reader, limit=10)] == [second.id]


async def test_acknowledging_and_who_sees_the_acknowledgements(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services
) -> None:
    author = await make_user("member")
    admin = await make_user("admin")
    reader = await make_user("member")
    colleague = await make_user("member")
    out = await _announce(client, author, priority="urgent", audience={"hubs": ["bandai"]})
    outsider = reader  # home hub none: not a recipient of this bandai notice
    assert (await client.post(f"/api/announcements/{out['id']}/ack", headers=outsider.headers)).status == 404

    home = await make_user("member", home_hub="bandai")
    reached = await make_user("member", home_hub="bandai")
    bandai = await _announce(client, author, priority="urgent", audience={"hubs": ["bandai"]})
    for _ in range(2):
        response = await client.post(f"/api/announcements/{bandai['id']}/ack", headers=home.headers)
        assert response.status == 200 and (await response.json())["acknowledged_at"] is not None
    acked = [
        e for e in await services.events.since(f"user:{home.id}", 0) if e.event == "announcement.acknowledged"
    ]
    assert len(acked) == 1
    unread = await (await client.get("/api/notifications/unread-count", headers=home.headers)).json()
    assert unread == {"unread": 0}  # acknowledging reads the notification too

    for who in (author, admin):
        acks = await (await client.get(f"/api/announcements/{bandai['id']}/acks", headers=who.headers)).json()
        assert [a["user_id"] for a in acks["acknowledged"]] == [home.id]
        assert acks["pending"] == [reached.id]
    assert (
        await client.get(f"/api/announcements/{bandai['id']}/acks", headers=reached.headers)
    ).status == 403
    assert (
        await client.get(f"/api/announcements/{bandai['id']}/acks", headers=colleague.headers)
    ).status == 404
    listed = await (await client.get("/api/announcements", headers=home.headers)).json()
    assert listed[0]["id"] == bandai["id"] and listed[0]["acknowledged_at"] is not None


async def test_an_idempotency_key_publishes_once(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services
) -> None:
    author = await make_user("member")
    reader = await make_user("member")
    headers = {**author.headers, "Idempotency-Key": "notice-1"}
    first = await client.post("/api/announcements", json=NOTICE, headers=headers)
    again = await client.post("/api/announcements", json=NOTICE, headers=headers)
    assert first.status == again.status == 201
    assert (await first.json())["id"] == (await again.json())["id"]
    assert await services.events.head("announcements") == 1
    assert len(await (await client.get("/api/notifications", headers=reader.headers)).json()) == 1


async def test_the_author_is_not_awaited_and_hears_of_each_acknowledgement(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services
) -> None:
    author = await make_user("member")
    reader = await make_user("member")
    out = await _announce(client, author, priority="urgent")  # "all": the author receives it too
    acks = await (await client.get(f"/api/announcements/{out['id']}/acks", headers=author.headers)).json()
    assert author.id not in acks["pending"] and reader.id in acks["pending"]
    assert author.id not in [p["user_id"] for p in acks["people"]]
    await client.post(f"/api/announcements/{out['id']}/ack", headers=author.headers)
    acks = await (await client.get(f"/api/announcements/{out['id']}/acks", headers=author.headers)).json()
    assert acks["acknowledged"] == []

    await client.post(f"/api/announcements/{out['id']}/ack", headers=reader.headers)
    nudges = [
        e
        for e in await services.events.since(f"user:{author.id}", 0)
        if e.event == "announcement.ack_received"
    ]
    assert [(e.data["announcement_id"], e.data["user_id"]) for e in nudges] == [(out["id"], reader.id)]


async def test_the_wall_lists_what_was_posted_for_screens_to_anyone(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    author = await make_user("member")
    kiosk = await make_user("kiosk", hub_id="bandai")
    everyone = await _announce(client, author, title="全員へ")
    bandai = await _announce(client, author, title="磐梯へ", audience={"hubs": ["bandai"]})
    project = await (
        await client.post(
            "/api/projects", json={"title": "P", "visibility": "private"}, headers=author.headers
        )
    ).json()
    await _announce(client, author, title="プロジェクトへ", audience={"projects": [project["id"]]})
    assert await _received(client, kiosk) == []  # a kiosk receives nothing of its own
    posted = await (await client.get("/api/announcements?posted=true", headers=kiosk.headers)).json()
    assert [a["id"] for a in posted] == [bandai["id"], everyone["id"]]
