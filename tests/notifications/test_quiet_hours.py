"""Quiet hours hold normal e-mail and LINE until they end (in the user's time zone, Asia/Tokyo by
default); urgent notices go at once; urgent reminders reach exactly those who have not acknowledged.
The clock is the test's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from hub.services import Services
from hub.settings import Settings
from schemas.announcements import AnnouncementIn
from tests.conftest import Account, UserFactory
from tests.notifications.fakes import FakeClock, FakeLine, Mailbox
from tests.notifications.fixtures import deliver_all, principal_of

CONTENT = {"ja": {"title": "回覧板", "body": "今月の予定です"}, "en": None}
QUIET = {"start": "22:00", "end": "07:00"}


async def _prefs(client: TestClient[Any, Any], who: Account, **fields: Any) -> None:
    body = {"email": True, "line": True, "quiet_hours": QUIET, "locale": "ja", **fields}
    assert (await client.put("/api/me/preferences", json=body, headers=who.headers)).status == 200


async def test_quiet_hours_hold_normal_messages_until_they_end(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    timed: Services,
    clock: FakeClock,
    mailbox: tuple[Mailbox, int],
    line_api: tuple[FakeLine, str],
) -> None:
    box, _ = mailbox
    line, _ = line_api
    clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # 23:00 in Tokyo, 14:00 in London
    sleeper = await make_user("member", line_user_id="U" + "1" * 32)
    awake = await make_user("member", line_user_id="U" + "2" * 32)
    londoner = await make_user("member", line_user_id="U" + "3" * 32)
    await _prefs(client, sleeper)
    await _prefs(client, londoner, time_zone="Europe/London")
    people = [sleeper.id, awake.id, londoner.id]
    await timed.notifications.notifier.notify(
        cause_id="normal", kind="announcement", user_ids=people, data={}, content=CONTENT
    )
    await deliver_all(timed, wait_s=0)

    assert box.to(sleeper.email) == [] and len(box.to(awake.email)) == 1 and len(box.to(londoner.email)) == 1
    assert line.received_by() == {"U" + "2" * 32: 1, "U" + "3" * 32: 1}
    # In-app is never held.
    listed = await (await client.get("/api/notifications", headers=sleeper.headers)).json()
    assert [n["data"]["title"] for n in listed] == ["回覧板"]
    [held] = await timed.notifications.outbox.find(channel="email", state="pending")
    assert held["user_id"] == sleeper.id

    clock.set(datetime(2026, 11, 25, 21, 59, tzinfo=UTC))  # 06:59 in Tokyo
    await deliver_all(timed, wait_s=0)
    assert box.to(sleeper.email) == []

    clock.set(datetime(2026, 11, 25, 22, 0, tzinfo=UTC))  # 07:00 in Tokyo: quiet hours are over
    await deliver_all(timed, wait_s=0)
    assert len(box.to(sleeper.email)) == 1
    assert line.received_by()["U" + "1" * 32] == 1


async def test_urgent_messages_ignore_quiet_hours(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    timed: Services,
    clock: FakeClock,
    mailbox: tuple[Mailbox, int],
    line_api: tuple[FakeLine, str],
) -> None:
    box, _ = mailbox
    line, _ = line_api
    clock.set(datetime(2026, 11, 25, 17, 30, tzinfo=UTC))  # 02:30 in Tokyo
    sleeper = await make_user("member", line_user_id="U" + "1" * 32)
    await _prefs(client, sleeper)
    await timed.notifications.notifier.notify(
        cause_id="urgent",
        kind="announcement",
        user_ids=[sleeper.id],
        data={},
        content=CONTENT,
        priority="urgent",
    )
    await deliver_all(timed, wait_s=0)
    [message] = box.to(sleeper.email)
    assert message["Subject"] == "【至急】回覧板"
    assert line.received_by() == {"U" + "1" * 32: 1}


async def test_urgent_reminder_reaches_only_those_still_pending_by_every_channel(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    timed: Services,
    clock: FakeClock,
    settings: Settings,
    mailbox: tuple[Mailbox, int],
    line_api: tuple[FakeLine, str],
) -> None:
    box, _ = mailbox
    line, _ = line_api
    author = await make_user("member")
    reader = await make_user("member", line_user_id="U" + "a" * 32)
    pending = await make_user("member", line_user_id="U" + "b" * 32)
    body = AnnouncementIn.model_validate(
        {
            "title": "避難指示",
            "body": "体育館へ避難してください",
            "audience": {"all": True},
            "priority": "urgent",
        }
    )
    out = await timed.announcements.service.create(await principal_of(timed, author.id), body, key=None)
    await deliver_all(timed, wait_s=0)
    assert len(box.to(pending.email)) == 1 and line.received_by()["U" + "b" * 32] == 1
    await timed.announcements.reads.ack(await principal_of(timed, reader.id), out.id)

    clock.advance(settings.urgent_reminder_s - 1)
    await timed.announcements.service.run_due()
    await deliver_all(timed, wait_s=0)
    assert len(box.to(pending.email)) == 1  # not yet

    clock.advance(1)
    await timed.announcements.service.run_due()
    await timed.announcements.service.run_due()  # a second sweep reminds nobody again
    await deliver_all(timed, wait_s=0)
    subjects = [m["Subject"] for m in box.to(pending.email)]
    assert subjects == ["【至急】避難指示", "【至急】【再通知・未確認】避難指示"]
    assert line.received_by()["U" + "b" * 32] == 2
    assert len(box.to(reader.email)) == 1 and line.received_by()["U" + "a" * 32] == 1
    kinds = [
        n["kind"] for n in await (await client.get("/api/notifications", headers=pending.headers)).json()
    ]
    assert kinds == ["announcement.reminder", "announcement"]

    acks = await (await client.get(f"/api/announcements/{out.id}/acks", headers=author.headers)).json()
    assert [a["user_id"] for a in acks["acknowledged"]] == [reader.id]
    assert pending.id in acks["pending"] and reader.id not in acks["pending"]
    # The wall screens: an urgent notice to everyone is posted on every hub's channel too.
    for channel in ("announcements", "hub:bandai", "hub:shibuya"):
        posted = [e for e in await timed.events.since(channel, 0) if e.event == "announcement.published"]
        assert [e.data["id"] for e in posted] == [out.id], channel
    assert clock() - out.created_at < timedelta(hours=1)
