"""Announcements to residents: LINE multicasts of at most 500 with a stable retry key per batch,
retries that honour Retry-After, nobody twice after a worker dies mid-batch, quiet hours, and
acknowledgements by postback counted once per follower."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from hub.notifications.times import at
from hub.residents.model import FOLLOWERS, SUBSCRIBERS, follower_id
from hub.residents.subscribers import subscriber_id
from hub.services import Services, build_services
from hub.settings import Settings
from schemas.announcements import AnnouncementIn
from tests.conftest import UserFactory
from tests.notifications.fakes import FakeClock, FakeLine, Mailbox
from tests.notifications.fixtures import WorkerFactory, deliver_all, eventually, principal_of
from tests.residents.helpers import announce, define_topics, event, line_user, webhook


async def _followers(services: Services, count: int, *, start: int = 0) -> list[str]:
    """``count`` residents follow the account: a few through the webhook's events, many stored as
    a follow stores them (tests/residents/test_line_followers.py covers the follow itself)."""
    users = [line_user(start + n) for n in range(count)]
    if count <= 10:
        await services.residents.followers.handle([event("follow", u, reply=None) for u in users])
        return users
    now = datetime.now(UTC)
    await services.db[FOLLOWERS].insert_many(
        [{"_id": follower_id(u), "line_user_id": u, "topics": [], "followed_at": now} for u in users]
    )
    return users


async def test_1201_followers_get_three_multicasts_of_at_most_500_each_once(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    author = await make_user("member")
    users = await _followers(services, 1201)
    await announce(client, author)
    await deliver_all(services)

    sent = [c for c in fake.calls if c.status == 200]
    assert len(sent) == 3
    assert all(c.path.endswith("/multicast") and len(c.to) <= 500 for c in sent)
    assert len({c.retry_key for c in sent}) == 3
    assert fake.received_by() == dict.fromkeys(users, 1)
    assert fake.problems == []


async def test_a_500_and_a_429_are_retried_with_the_same_retry_key_after_retry_after(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    fake.script = [500, 429]
    fake.retry_after_s = 1
    author = await make_user("member")
    users = await _followers(services, 3)
    await announce(client, author)
    await deliver_all(services)

    assert [c.status for c in fake.calls] == [500, 429, 200]
    assert len({c.retry_key for c in fake.calls}) == 1
    assert fake.calls[2].at - fake.calls[1].at >= 0.9  # Retry-After: 1, longer than the 0.2 s delay
    assert fake.received_by() == dict.fromkeys(users, 1)


async def test_no_follower_gets_it_twice_when_a_worker_dies_mid_batch(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    timed: Services,
    clock: FakeClock,
    settings: Settings,
    line_api: tuple[FakeLine, str],
) -> None:
    fake, _ = line_api
    author = await principal_of(timed, (await make_user("member")).id)
    users = await _followers(timed, 600)
    notice = await timed.announcements.service.create(
        author,
        AnnouncementIn.model_validate(
            {
                "title": "避難",
                "body": "高台へ避難してください。",
                "audience": {"residents": True},
                "priority": "urgent",
            }
        ),
        key=None,
    )
    deliveries = timed.db["deliveries"]
    assert await deliveries.count_documents({"announcement_id": notice.id}) == 600
    # Publishing again (a worker that died during the fan-out, the sweeper) adds nobody twice.
    await timed.residents.sender.send(
        announcement_id=notice.id,
        topics=None,
        content={"ja": {"title": "避難", "body": "x"}},
        urgent=True,
        public=False,
        expires_at=None,
    )
    assert await deliveries.count_documents({"announcement_id": notice.id}) == 600

    # The worker sends the first batch; LINE takes it; the worker dies before it records anything.
    fake.hold_s = 30
    first = (await deliveries.find({"channel": "line"}).sort("_id", 1).limit(1).to_list())[0]["_id"]
    job = asyncio.create_task(timed.deliveries.run(first))
    await eventually(lambda: _accepted(fake, 1))
    job.cancel()
    fake.hold_s = 0
    clock.advance(settings.job_timeout_s + 1)  # its lease runs out

    await deliver_all(timed)

    assert fake.received_by() == dict.fromkeys(users, 1)
    repeats = [c for c in fake.calls if c.status == 409]
    assert len(repeats) == 1 and repeats[0].retry_key == next(iter(fake.accepted))
    # The urgent notice carries the 確認しました postback button.
    button = fake.calls[0].messages[1]["template"]["actions"][0]
    assert (button["label"], button["data"]) == ("確認しました", f"ack={notice.id}")


async def _accepted(fake: FakeLine, count: int) -> bool:
    return len(fake.accepted) >= count


async def test_residents_acknowledge_by_postback_once_each(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    author = await make_user("member")
    one, two, _three = await _followers(services, 3)
    notice = await announce(client, author, priority="urgent")
    await deliver_all(services)
    ack = f"ack={notice['id']}"
    await webhook(client, event("postback", one, data=ack), event("postback", one, data=ack))
    await webhook(client, event("postback", two, data=ack))
    stranger = line_user(999)  # followed later: it was never sent to them
    await webhook(client, event("follow", stranger), event("postback", stranger, data=ack))

    response = await client.get(f"/api/announcements/{notice['id']}/acks", headers=author.headers)
    assert response.status == 200
    assert (await response.json())["residents"] == {"sent": 3, "acknowledged": 2}
    assert [r["messages"][0]["text"] for r in fake.replies].count("確認しました。ありがとうございます。") == 3


async def test_topics_reach_their_followers_only_and_unknown_topics_are_refused(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    admin = await make_user("admin")
    await define_topics(client, admin)
    bousai, kanko, _none = await _followers(services, 3)
    await webhook(client, event("postback", bousai, data="topic=bousai&on=1"))
    await webhook(client, event("postback", kanko, data="topic=kanko&on=1"))
    await announce(client, admin, audience={"topics": ["bousai"]})
    await deliver_all(services)
    assert fake.received_by() == {bousai: 1}

    body = {"title": "x", "body": "y", "audience": {"topics": ["nope"]}}
    refused = await client.post("/api/announcements", json=body, headers=admin.headers)
    assert refused.status == 422
    assert (await refused.json())["error"]["details"]["fields"][0]["path"] == "audience.topics.0"


async def test_quiet_hours_hold_residents_notices_except_urgent_ones(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    settings: Settings,
    clock: FakeClock,
) -> None:
    quiet = build_services(
        settings=settings.model_copy(update={"resident_quiet_hours": "09:00-11:00"}),
        db=services.db,
        redis=services.redis,
        clock=clock,
    )
    author = await principal_of(quiet, (await make_user("member")).id)
    await _followers(quiet, 2)
    for priority in ("normal", "urgent"):
        await quiet.announcements.service.create(
            author,
            AnnouncementIn.model_validate(
                {"title": priority, "body": "本文", "audience": {"residents": True}, "priority": priority}
            ),
            key=None,
        )
    deliveries = await quiet.db["deliveries"].find({"channel": "line"}).to_list()
    held = {at(d["next_at_ms"]) for d in deliveries if d["priority"] == "normal"}
    now = {at(d["next_at_ms"]) for d in deliveries if d["priority"] == "urgent"}
    assert held == {datetime(2026, 11, 25, 2, 0, tzinfo=UTC)}  # 11:00 in Tokyo
    assert now == {clock()}


async def test_followers_who_have_not_acknowledged_are_reminded_once(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    timed: Services,
    clock: FakeClock,
    settings: Settings,
    line_api: tuple[FakeLine, str],
) -> None:
    fake, _ = line_api
    author = await principal_of(timed, (await make_user("member")).id)
    one, two, three = await _followers(timed, 3)
    notice = await timed.announcements.service.create(
        author,
        AnnouncementIn.model_validate(
            {"title": "断水", "body": "給水所へ", "audience": {"residents": True}, "priority": "urgent"}
        ),
        key=None,
    )
    await deliver_all(timed)
    await timed.residents.followers.handle([event("postback", one, reply=None, data=f"ack={notice.id}")])
    clock.advance(settings.urgent_reminder_s + 1)
    await timed.announcements.service.remind(notice.id)
    await timed.announcements.service.remind(notice.id)  # again: nobody twice
    await deliver_all(timed)

    reminders = [c for c in fake.calls if c.status == 200 and c.text.startswith("【至急】【再通知・未確認】")]
    assert sorted(u for c in reminders for u in c.to) == sorted([two, three])


async def test_the_worker_reaches_the_residents_after_the_author_s_request_returns(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    line_api: tuple[FakeLine, str],
    mailbox: tuple[Mailbox, int],
    run_worker: WorkerFactory,
) -> None:
    fake, _ = line_api
    box, _ = mailbox
    author = await make_user("member")
    users = await _followers(services, 700)
    await services.db[SUBSCRIBERS].insert_one(
        {"_id": subscriber_id("a@example.jp"), "email": "a@example.jp", "state": "confirmed", "topics": []}
    )
    body = {"title": "断水", "body": "給水所へ", "audience": {"residents": True}, "priority": "urgent"}
    response = await client.post("/api/announcements", json=body, headers=author.headers)
    assert response.status == 201
    # The request wrote no delivery to residents: that is the worker's job.
    assert await services.db["deliveries"].count_documents({"resident": True}) == 0
    await run_worker()

    async def everyone() -> bool:
        return len(fake.received_by()) == len(users) and len(box.to("a@example.jp")) == 1

    await eventually(everyone, timeout_s=30)
    assert fake.received_by() == dict.fromkeys(users, 1)
    assert len([c for c in fake.calls if c.status == 200]) == 2
