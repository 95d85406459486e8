"""Issue 11, item 1: partner webhooks never hold back anything else. Every endpoint of an org hangs
without an answer; in-app notifications, e-mail and LINE still go out within 10 seconds. The worker is
the real ``python -m hub.cli worker`` process, as ``dejima dev`` and docker-compose run it."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.limits import WEBHOOK_BREAKER_FAILURES, WEBHOOK_ORG_CONCURRENCY
from hub.services import Services
from hub.settings import Settings
from hub.webhooks import breaker as webhook_breaker
from schemas.events import Change
from tests.conftest import UserFactory
from tests.notifications.fakes import FakeLine, Mailbox, WebhookReceiver
from tests.notifications.fixtures import *  # noqa: F403
from tests.notifications.fixtures import deliver_all, eventually
from tests.worker_process import start_worker

ENDPOINTS = 20  # MAX_WEBHOOKS_PER_ORG: everything one partner org may register
CHANGES = 60


class HangingServer:
    """Accepts connections and reads requests, and never answers any."""

    def __init__(self) -> None:
        self.open = 0
        self.most_open = 0
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._stop = asyncio.Event()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        self.accepted += 1
        try:
            while not reader.at_eof() and not self._stop.is_set():
                await asyncio.wait_for(reader.read(65536), 60)
        except (TimeoutError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()

    async def close(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.close()


@pytest.mark.timeout(180)
async def test_hanging_webhooks_do_not_delay_in_app_email_or_line(
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
    hanging = HangingServer()
    port = await hanging.start()
    admin = await make_user("admin")
    owner = await make_user("member")
    reader = await make_user("member", line_user_id="U" + "7" * 32)
    org = await (
        await client.post("/api/orgs", json={"name": "Hang Co", "kind": "company"}, headers=admin.headers)
    ).json()
    for n in range(ENDPOINTS):
        created = await client.post(
            f"/api/orgs/{org['id']}/webhooks",
            json={"url": f"http://127.0.0.1:{port}/hook/{n}", "events": ["*"]},
            headers=admin.headers,
        )
        assert created.status == 201, await created.text()
    project = await client.post(
        "/api/projects", json={"title": "公開プロジェクト", "visibility": "public"}, headers=owner.headers
    )
    board = f"board:{(await project.json())['board_id']}"

    log = tmp_path / "worker.log"
    # Operators run both queues in one worker; it may post to 127.0.0.1 here.
    worker = start_worker(settings, log, DEJIMA_WEBHOOK_ALLOW_PRIVATE="true", DEJIMA_JOB_TIMEOUT_S="60")
    try:
        for n in range(CHANGES):  # card changes, each one delivery per endpoint

            async def decide(n: int = n) -> Change:
                return Change(event="card.updated", data={"id": f"card-{n}", "title": f"カード {n}"}, ops=[])

            await services.events.commit(board, decide, actor=None)

        async def webhooks_hanging() -> bool:
            queued = await services.notifications.outbox.count({"channel": "webhook"})
            # Hundreds of deliveries queued while requests hang: far more than a worker's places.
            return queued >= ENDPOINTS * 10 and hanging.open >= 4

        await eventually(webhooks_hanging, timeout_s=60)

        started = time.monotonic()
        await services.notifications.notifier.notify(
            cause_id="mention:isolation",
            kind="comment.mention",
            user_ids=[reader.id],
            data={"card_title": "見積書を送る", "excerpt": "@読者 確認お願いします", "by": "Owner"},
        )
        records = await services.notifications.records.of_user(reader.id, unread=True, limit=10)
        assert [r.kind for r in records] == ["comment.mention"]

        async def delivered() -> bool:
            return bool(box.to(reader.email)) and line.received_by()["U" + "7" * 32] >= 1

        await eventually(delivered, timeout_s=10)
        took = time.monotonic() - started
        assert took < 10, log.read_text()
        # One organisation never has more requests in flight than its share of the worker.
        assert hanging.most_open == WEBHOOK_ORG_CONCURRENCY
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        await hanging.close()
    print(f"\ne-mail and LINE out {took:.2f} s after the cause; {hanging.accepted} webhook requests hung")


async def test_an_endpoint_that_keeps_failing_opens_its_breaker_and_nothing_is_lost(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    services: Services,
    receiver: tuple[WebhookReceiver, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The breaker's open time shortened so that the test need not wait half a minute per opening.
    monkeypatch.setattr(webhook_breaker, "WEBHOOK_BREAKER_OPEN_S", 0.5)
    monkeypatch.setattr(webhook_breaker, "WEBHOOK_BREAKER_OPEN_MAX_S", 0.5)
    fake, url = receiver
    fake.script = [503] * 1000
    admin, owner = await make_user("admin"), await make_user("member")
    org = await (
        await client.post("/api/orgs", json={"name": "Flaky Co", "kind": "company"}, headers=admin.headers)
    ).json()
    hook = await (
        await client.post(
            f"/api/orgs/{org['id']}/webhooks", json={"url": url, "events": ["*"]}, headers=admin.headers
        )
    ).json()
    fake.secrets = [hook["secret"]]
    project = await client.post(
        "/api/projects", json={"title": "公開", "visibility": "public"}, headers=owner.headers
    )
    board = f"board:{(await project.json())['board_id']}"
    notifications = services.notifications

    async def changes(count: int) -> None:
        for n in range(count):

            async def decide(n: int = n) -> Change:
                return Change(event="card.updated", data={"id": f"card-{n}"}, ops=[])

            await services.events.commit(board, decide, actor=None)
        await services.webhooks.follower.run_once()

    await changes(8)
    for doc in await notifications.outbox.due(now=notifications.clock(), limit=100):
        await services.deliveries.run(doc["_id"])
    # Five failures in a row opened the breaker: the other three were not sent but deferred.
    assert len(fake.attempts) == WEBHOOK_BREAKER_FAILURES
    pending = await notifications.outbox.find(channel="webhook", state="pending")
    assert len(pending) == 8
    assert sum("circuit open" in d["last_error"] for d in pending) == 8 - WEBHOOK_BREAKER_FAILURES

    # Every delivery still runs its whole schedule and ends failed with its reason; the endpoint was
    # asked far less often than 8 deliveries x 4 attempts.
    await deliver_all(services)
    failed = await notifications.outbox.find(channel="webhook", state="failed")
    assert len(failed) == 8 and all(d["attempts"] == 4 for d in failed)
    assert all(d["last_error"].startswith("gave up after 4 attempts") for d in failed)
    assert len(fake.attempts) < 8 * 4 / 2

    # The endpoint recovers: once the breaker lets a probe through, deliveries flow again.
    fake.script = []
    await changes(3)
    await deliver_all(services)
    assert len(await notifications.outbox.find(channel="webhook", state="sent")) == 3
    assert len(fake.delivered) == 3
