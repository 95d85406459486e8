"""The daily digest through the real SMTP server: at DEJIMA_DIGEST_AT in the person's zone, once a
day however many workers run, only the unread, nothing when there are none, one-click unsubscribe."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient

from hub.services import Services, build_services
from hub.settings import Settings
from tests.conftest import Account, UserFactory
from tests.notifications.fakes import FakeClock, Mailbox
from tests.notifications.fixtures import deliver_all


async def _prefs(client: TestClient[Any, Any], who: Account, **fields: Any) -> dict[str, Any]:
    body = {"email": False, "line": False, "quiet_hours": None, "locale": "ja", **fields}
    response = await client.put("/api/me/preferences", json=body, headers=who.headers)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def _digests(workers: list[Services]) -> None:
    for _ in range(2):
        await asyncio.gather(*(worker.notifications.digest.run_once() for worker in workers))
    await deliver_all(workers[0], wait_s=0)


async def test_one_digest_a_day_of_the_unread_and_its_one_click_unsubscribe(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    timed: Services,
    settings: Settings,
    clock: FakeClock,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, _ = mailbox
    reader, idle, quiet = [await make_user("member") for _ in range(3)]
    assert (await _prefs(client, reader, digest="daily"))["digest"] == "daily"
    await _prefs(client, idle, digest="daily")
    assert (await _prefs(client, quiet))["digest"] == "off"  # the default
    for number in range(3):
        await timed.notifications.notifier.notify(
            cause_id=f"assigned-{number}",
            kind="card.assigned",
            user_ids=[reader.id, quiet.id],
            data={"card_title": f"防災訓練 {number}"},
        )
    [first, *_] = await (await client.get("/api/notifications", headers=reader.headers)).json()
    response = await client.post(f"/api/notifications/{first['id']}/read", headers=reader.headers)
    assert response.status == 200, await response.text()
    workers = [timed, build_services(settings=settings, db=timed.db, redis=timed.redis, clock=clock)]

    clock.set(datetime(2026, 11, 24, 22, 59, tzinfo=UTC))  # 07:59 in Tokyo: not yet
    await _digests(workers)
    assert box.count() == 0
    clock.set(datetime(2026, 11, 24, 23, 0, tzinfo=UTC))  # 08:00 in Tokyo
    await _digests(workers)
    [mail] = box.to(reader.email)
    assert box.count() == 1  # nothing for the one with nothing unread, nor for the one without digest
    assert "2 件" in str(mail["Subject"])
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    read = first["data"]["body"]  # 「防災訓練 2」, the newest: it was read, so it is left out
    assert read not in text and text.count("防災訓練") == 2

    clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # later the same day in Tokyo
    await _digests(workers)
    assert box.count() == 1
    clock.set(datetime(2026, 11, 25, 23, 1, tzinfo=UTC))  # the next morning
    await _digests(workers)
    assert len(box.to(reader.email)) == 2

    # One click (RFC 8058) turns the digest off and nothing else.
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = urlsplit(str(mail["List-Unsubscribe"]).strip("<>"))
    response = await client.post(f"{link.path}?{link.query}", data={"List-Unsubscribe": "One-Click"})
    assert response.status == 200, await response.text()
    prefs = await (await client.get("/api/me/preferences", headers=reader.headers)).json()
    assert prefs["digest"] == "off" and prefs["locale"] == "ja"
    clock.set(datetime(2026, 11, 26, 23, 1, tzinfo=UTC))
    await _digests(workers)
    assert len(box.to(reader.email)) == 2
    response = await client.post(f"{link.path}?token=forged.token", data={})
    assert response.status == 404
