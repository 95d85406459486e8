"""Issue 11, item 7 (delivery half): a delivery or fan-out that can never succeed ends ``failed`` with
its reason after a bounded number of tries, on every channel; it never blocks the others."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from hub.limits import CAUSE_MAX_TRIES
from hub.services import Services
from schemas.common import utc_now
from tests.conftest import UserFactory
from tests.notifications.fakes import FakeClock, Mailbox
from tests.notifications.fixtures import *  # noqa: F403
from tests.notifications.fixtures import deliver_all


async def test_an_email_with_a_header_injection_fails_at_once_with_its_reason(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    reader = await make_user("member")
    # The text as a caller could once store it (issue 11: "a title with \r\nBcc: …" was accepted).
    await services.notifications.notifier.notify(
        cause_id="poisoned",
        kind="announcement",
        user_ids=[reader.id],
        data={},
        content={"ja": {"title": "お知らせ\r\nBcc: everyone@evil.example", "body": "本文\x00"}},
    )
    await deliver_all(services)
    [delivery] = await services.notifications.outbox.find(channel="email")
    assert delivery["state"] == "failed"
    assert delivery["attempts"] == 1
    assert "linefeed or carriage return" in delivery["last_error"]
    assert box.messages == []
    admin = await make_user("admin")
    listed = await (await client.get("/api/deliveries?state=failed", headers=admin.headers)).json()
    assert [d["id"] for d in listed] == [delivery["_id"]]
    assert "cannot be built" in listed[0]["last_error"]


async def test_a_webhook_delivery_that_breaks_the_sender_ends_failed_after_its_retries(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services
) -> None:
    admin = await make_user("admin")
    org = await (
        await client.post("/api/orgs", json={"name": "Poison Co", "kind": "company"}, headers=admin.headers)
    ).json()
    hook = await client.post(
        f"/api/orgs/{org['id']}/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "events": ["*"]},
        headers=admin.headers,
    )
    assert hook.status == 201, await hook.text()
    hook_id = (await hook.json())["id"]
    now = utc_now()
    # A delivery whose stored payload is missing (a bug, or a document damaged by hand).
    await services.notifications.outbox.add_delivery(
        {
            "_id": "wh_poisoned",
            "channel": "webhook",
            "webhook_id": hook_id,
            "org_id": org["id"],
            "event_type": "announcement.published",
            "channel_name": "announcements",
            "seq": 1,
            "msg_id": "msg_poisoned",
            "priority": "normal",
            "cause_id": None,
            "expires_at": None,
            "created_at": now,
        },
        next_at=now,
    )
    await deliver_all(services)
    doc = await services.notifications.outbox.get("wh_poisoned")
    assert doc is not None and doc["state"] == "failed"
    # Its schedule: the first try and one per retry delay (three in the test settings).
    assert doc["attempts"] == 4
    assert "gave up after 4 attempts" in doc["last_error"] and "KeyError" in doc["last_error"]


async def test_a_cause_that_cannot_be_fanned_out_ends_failed_and_blocks_nothing(
    make_user: UserFactory, timed: Services, clock: FakeClock
) -> None:
    reader = await make_user("member")
    outbox = timed.notifications.outbox
    base = {"kind": "announcement", "priority": "normal", "user_ids": [reader.id], "data": {}, "link": "/",
            "announcement_id": None, "expires_at": None, "created_at": clock(), "inline": False}  # fmt: skip
    # No body in the content: rendering it raises, every time.
    await outbox.add_cause({**base, "_id": "a-poisoned", "content": {"ja": {"title": "壊れた"}}})
    await outbox.add_cause({**base, "_id": "b-healthy", "content": {"ja": {"title": "元気", "body": "本文"}}})
    for _ in range(CAUSE_MAX_TRIES + 2):
        await timed.notifications.sweeper.run_once()
        clock.advance(2)
    healthy = await outbox.cause("b-healthy")
    poisoned = await outbox.cause("a-poisoned")
    assert healthy is not None and healthy["state"] == "done"
    assert poisoned is not None and poisoned["state"] == "failed"
    assert poisoned["tries"] == CAUSE_MAX_TRIES
    assert "KeyError" in poisoned["last_error"] and "body" in poisoned["last_error"]
    [record] = await timed.notifications.records.of_user(reader.id, unread=True, limit=10)
    assert record.data["title"] == "元気"
