"""At least once, never twice: the worker process is killed (SIGKILL) in the middle of sending an
announcement to 200 people; after a new worker starts, every one of them has exactly one e-mail and
one LINE message, one in-app record and one ``notification.created`` event.

E-mail is counted as a mailbox counts it, by ``Message-ID``: SMTP cannot tell us whether a message
the server took just before the kill was recorded, so the one in-flight message of each killed job
may arrive twice with the same ``Message-ID`` (docs/notifications.md); the test reports how many.
"""

from __future__ import annotations

import signal
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.notifications.channel import user_channel
from hub.services import Services
from hub.settings import Settings
from schemas.common import utc_now
from tests.conftest import UserFactory
from tests.notifications.fakes import FakeLine, Mailbox
from tests.notifications.fixtures import eventually
from tests.worker_process import start_worker

RECIPIENTS = 200


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize("phase", ["fan-out", "sending"])
async def test_a_worker_killed_mid_announcement_loses_nothing_and_doubles_nothing(
    phase: str,
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    settings: Settings,
    mailbox: tuple[Mailbox, int],
    line_api: tuple[FakeLine, str],
    tmp_path: Path,
) -> None:
    box, _ = mailbox
    line, _ = line_api
    now = utc_now()
    people = [
        {
            "_id": f"r{n:04d}",
            "email": f"r{n}@dejima.test",
            "name": f"住民 {n}",
            "role": "member",
            "locale": "ja",
            "line_user_id": f"U{n:032d}",
            "disabled": False,
            "created_at": now,
        }
        for n in range(RECIPIENTS)
    ]
    await services.db["users"].insert_many(people)
    author = await make_user("member")
    log = tmp_path / "worker.log"
    first = start_worker(settings, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        body = {
            "title": "断水のお知らせ",
            "body": "明日 9 時から 12 時まで断水します。",
            "audience": {"all": True},
        }
        response = await client.post("/api/announcements", json=body, headers=author.headers)
        assert response.status == 201

        async def midway() -> bool:
            if phase == "fan-out":  # records being written, nothing sent yet
                return await services.db["notifications"].count_documents({}) >= RECIPIENTS // 3
            return box.count() >= 40

        await eventually(midway, timeout_s=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        sent_before_kill = box.count()
        recorded_before_kill = await services.db["notifications"].count_documents({})
        assert sent_before_kill < RECIPIENTS + 2, "the worker finished before it was killed"
        if phase == "fan-out":
            assert recorded_before_kill < RECIPIENTS + 2, "the fan-out finished before the kill"

        second = start_worker(settings, log)

        async def everything_sent() -> bool:
            cause_done = await services.db["notification_causes"].count_documents({"state": "pending"}) == 0
            pending = await services.notifications.outbox.count({"state": "pending"})
            return cause_done and pending == 0 and line.received_by().total() >= RECIPIENTS

        await eventually(everything_sent, timeout_s=90)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()

    assert await services.notifications.outbox.count({"state": {"$ne": "sent"}}) == 0
    assert line.problems == []
    assert line.received_by() == Counter({person["line_user_id"]: 1 for person in people})
    duplicates = 0
    for person in people:
        messages = box.to(person["email"])
        assert len({m["Message-ID"] for m in messages}) == 1, person["email"]
        duplicates += len(messages) - 1
        records = await services.db["notifications"].count_documents({"user_id": person["_id"]})
        assert records == 1
        events = await services.events.since(user_channel(person["_id"]), 0)
        assert [e.event for e in events] == ["notification.created"]
    # At most one message per job that was in flight at the kill (arq runs 10 at a time).
    assert duplicates <= 10, f"{duplicates} e-mails arrived twice"
    print(
        f"\nkilled after {recorded_before_kill} records and {sent_before_kill} e-mails; "
        f"{duplicates} re-sent with the same Message-ID"
    )
