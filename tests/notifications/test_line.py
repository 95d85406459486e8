"""LINE messages through a local server that checks what the LINE API checks: bearer token, JSON
shape, a UUID retry key that stays the same across retries, 429 with Retry-After, 500 per multicast."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from hub.notifications import times
from hub.services import Services
from schemas.common import utc_now
from tests.conftest import UserFactory
from tests.notifications.fakes import FakeLine, utf16_units
from tests.notifications.fixtures import deliver_all

NOTICE = {
    "title": "避難所を開設しました",
    "body": "磐梯町体育館を避難所として開設しました。",
    "audience": {"all": True},
}


async def test_one_multicast_per_text_with_bearer_and_retry_key(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    author = await make_user("member")
    ja = [await make_user("member", line_user_id=f"U{n:032x}") for n in range(3)]
    en = await make_user("partner", locale="en", line_user_id="U" + "e" * 32)
    await make_user("member")  # no LINE account: e-mail and in-app only
    body = {**NOTICE, "title_en": "Shelter open", "body_en": "The town gym is open as a shelter."}
    assert (await client.post("/api/announcements", json=body, headers=author.headers)).status == 201
    await deliver_all(services)

    assert fake.problems == []
    multicast = [c for c in fake.calls if c.path.endswith("/multicast")]
    push = [c for c in fake.calls if c.path.endswith("/push")]
    assert len(multicast) == 1 and sorted(multicast[0].to) == sorted(f"U{n:032x}" for n in range(3))
    assert multicast[0].text.startswith("避難所を開設しました\n\n磐梯町体育館")
    assert multicast[0].text.endswith("http://dejima.test/announcements#" + (await _only_id(client, author)))
    assert len(push) == 1 and push[0].to == ["U" + "e" * 32] and push[0].text.startswith("Shelter open")
    assert uuid.UUID(multicast[0].retry_key) and multicast[0].retry_key != push[0].retry_key
    sent = await services.notifications.outbox.find(channel="line", state="sent")
    assert {doc["user_id"] for doc in sent} == {*(u.id for u in ja), en.id}


async def _only_id(client: TestClient[Any, Any], author: Any) -> str:
    [announcement] = await (
        await client.get("/api/announcements?authored=true", headers=author.headers)
    ).json()
    return str(announcement["id"])


async def test_429_is_retried_after_retry_after_with_the_same_key(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    fake.script = [429]
    fake.retry_after_s = 1
    author = await make_user("member")
    reader = await make_user("member", line_user_id="U" + "1" * 32)
    await client.post("/api/announcements", json=NOTICE, headers=author.headers)
    started = utc_now()
    await deliver_all(services)

    assert [c.status for c in fake.calls] == [429, 200]
    assert fake.calls[0].retry_key == fake.calls[1].retry_key
    assert fake.received_by() == {"U" + "1" * 32: 1}
    [doc] = await services.notifications.outbox.find(channel="line")
    assert doc["state"] == "sent" and doc["attempts"] == 2 and doc["user_id"] == reader.id
    # Our own delay is 0.2 s in tests; Retry-After said 1 s, and that wins.
    assert times.at(doc["sent_at_ms"]) - started >= timedelta(seconds=1)  # type: ignore[operator]


async def test_a_retry_of_an_accepted_request_is_not_sent_twice(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    author = await make_user("member")
    await make_user("member", line_user_id="U" + "2" * 32)
    await client.post("/api/announcements", json=NOTICE, headers=author.headers)
    await deliver_all(services)
    # The worker died after LINE accepted the request and before it recorded that: pending again.
    db = services.db
    await db["deliveries"].update_many({"channel": "line"}, {"$set": {"state": "pending", "next_at_ms": 0}})
    await db["line_batches"].update_many({}, {"$set": {"state": "pending", "next_at_ms": 0}})
    await deliver_all(services)

    assert [c.status for c in fake.calls] == [200, 409]
    assert fake.received_by() == {"U" + "2" * 32: 1}
    assert await services.notifications.outbox.count({"channel": "line", "state": "sent"}) == 1


async def test_multicast_batches_hold_at_most_500(
    client: TestClient[Any, Any], services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    now = utc_now()
    people = [
        {"_id": f"u{n:04d}", "email": f"p{n}@dejima.test", "name": f"P{n}", "role": "member", "locale": "ja",
         "line_user_id": f"U{n:032d}", "disabled": False, "created_at": now}
        for n in range(505)
    ]  # fmt: skip
    await services.db["users"].insert_many(people)
    # E-mail off for all of them: this test is about LINE, and 505 e-mails take seconds to send.
    await services.db["preferences"].insert_many(
        [{"_id": p["_id"], "email": False, "line": True, "quiet_hours": None, "locale": "ja"} for p in people]
    )
    await services.notifications.notifier.notify(
        cause_id="big-notice",
        kind="announcement",
        user_ids=[p["_id"] for p in people],
        data={},
        content={"ja": {"title": "全員へ", "body": "本文"}, "en": None},
    )
    await services.notifications.notifier.fanout("big-notice")  # the worker's part
    await deliver_all(services)

    assert fake.problems == []
    sizes = sorted(len(call.to) for call in fake.calls)
    assert sizes == [5, 500]
    assert sorted(fake.received_by().values()) == [1] * 505


async def test_text_is_cut_to_5000_utf16_units_without_breaking_a_character(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    author = await make_user("member")
    await make_user("member", line_user_id="U" + "3" * 32)
    body = "🍎" * 2600 + "終わり"  # 5,203 UTF-16 units on its own
    await client.post(
        "/api/announcements", json={**NOTICE, "body": body, "priority": "urgent"}, headers=author.headers
    )
    await deliver_all(services)
    [call] = fake.calls
    assert fake.problems == [] and call.status == 200
    assert utf16_units(call.text) <= 5000
    assert call.text.startswith("【至急】避難所を開設しました")
    assert "…" in call.text
    call.text.encode("utf-8")  # raises on a lone surrogate (half an emoji)
    assert call.text.rstrip().endswith(await _only_id(client, author))


async def test_line_off_in_preferences_sends_nothing(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    author = await make_user("member")
    quiet = await make_user("member", line_user_id="U" + "4" * 32)
    prefs = {"email": True, "line": False, "quiet_hours": None, "locale": "ja"}
    assert (await client.put("/api/me/preferences", json=prefs, headers=quiet.headers)).status == 200
    await client.post("/api/announcements", json=NOTICE, headers=author.headers)
    await deliver_all(services)
    assert fake.calls == []
