"""Fixtures of the notification tests (imported by tests/notifications and tests/announcements).

``settings`` is overridden so that every app and worker of the test talks to this test's SMTP
server, fake LINE API and webhook receiver, with retry delays short enough to wait for.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.controller import Controller
from arq.worker import Worker

from hub import keys
from hub.identity.users import to_principal
from hub.principal import Principal
from hub.services import Services, build_services
from hub.settings import Settings
from tests.conftest import CHEAP_PASSWORDS, Account, Servers, UserFactory
from tests.notifications.fakes import (
    LINE_SECRET,
    LINE_TOKEN,
    FakeClock,
    FakeLine,
    Mailbox,
    WebhookReceiver,
    free_port,
)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
async def line_api() -> AsyncIterator[tuple[FakeLine, str]]:
    fake = FakeLine()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[WebhookReceiver, str]]:
    fake = WebhookReceiver()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield fake, str(server.make_url("/hook"))
    finally:
        await server.close()


@pytest.fixture
def settings(
    servers: Servers, database_name: str, mailbox: tuple[Mailbox, int], line_api: tuple[FakeLine, str]
) -> Settings:
    return Settings(
        mongodb_url=servers.mongodb_url,
        redis_url=servers.redis_url,
        mongodb_database=database_name,
        secret_key="test-secret-" + "x" * 40,
        allowed_origins=["http://dejima.test"],
        admin_email="admin@dejima.test",
        admin_password="admin-password-1",
        public_url="http://dejima.test",
        smtp_host="127.0.0.1",
        smtp_port=mailbox[1],
        smtp_from="Dejima <no-reply@dejima.test>",
        line_api_base=line_api[1],
        line_channel_token=LINE_TOKEN,
        line_channel_secret=LINE_SECRET,
        webhook_allow_private=True,
        delivery_retry_delays_s=[0.2, 0.2, 0.2],
        webhook_retry_delays_s=[0.2, 0.2, 0.2],
        job_timeout_s=10,
        **CHEAP_PASSWORDS,
    )


@pytest.fixture
async def make_user(client: TestClient[Any, Any]) -> UserFactory:
    """Like the suite's ``make_user`` without passwords: a session is opened directly, so that
    tests with many people do not spend half a second per person on argon2."""
    counter = iter(range(1, 1_000_000))

    async def factory(role: str = "member", **fields: Any) -> Account:
        number = next(counter)
        email = fields.pop("email", f"{role}{number}@dejima.test")
        name = fields.pop("name", f"{role.title()} {number}")
        services: Services = client.app[keys.SERVICES]
        user = await services.identity.users.create(email=email, name=name, role=role, **fields)  # type: ignore[arg-type]
        token = await services.identity.sessions.open(user.id)
        return Account(id=user.id, email=email, password="", token=token)

    return factory


@pytest.fixture
def services(client: TestClient[Any, Any]) -> Services:
    """The services of the test's app instance (real clock)."""
    services: Services = client.app[keys.SERVICES]
    return services


@pytest.fixture
def clock() -> FakeClock:
    # A Wednesday, 10:00 in Tokyo.
    return FakeClock(datetime(2026, 11, 25, 1, 0, tzinfo=UTC))


@pytest.fixture
async def timed(client: TestClient[Any, Any], settings: Settings, clock: FakeClock) -> Services:
    """Services on the test's database whose "now" is the test's clock (no arq pool: no jobs)."""
    app_services: Services = client.app[keys.SERVICES]
    return build_services(settings=settings, db=app_services.db, redis=app_services.redis, clock=clock)


async def principal_of(services: Services, user_id: str) -> Principal:
    doc = await services.identity.users.get(user_id)
    assert doc is not None
    return to_principal(doc, session_id="test")


async def deliver_all(services: Services, *, wait_s: float = 5.0) -> int:
    """Run every due delivery as the workers would, waiting for retries that are due within
    ``wait_s`` (real time), until nothing is left to do; return how many runs it took."""
    runs = 0
    outbox = services.notifications.outbox
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while loop.time() < deadline:
        await services.notifications.sweeper.run_once()
        now = services.notifications.clock()
        due = await outbox.due(now=now, limit=10_000, include_held=True)
        for doc in due:
            await services.deliveries.run(doc["_id"])
            runs += 1
        if due:
            continue
        soon = await outbox.due(now=now + timedelta(seconds=wait_s), limit=1, include_held=True)
        if not soon:
            return runs
        await asyncio.sleep(0.05)
    raise AssertionError("deliveries still pending after a minute")


async def eventually(check: Callable[[], Awaitable[bool]], *, timeout_s: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


WorkerFactory = Callable[..., Awaitable[Worker]]


@pytest.fixture
async def run_worker(settings: Settings) -> AsyncIterator[WorkerFactory]:
    """Start in-process arq workers on the test's settings; they stop at the end of the test."""
    from workers.settings import create_worker

    started: list[tuple[Worker, asyncio.Task[None]]] = []

    async def start(**overrides: Any) -> Worker:
        worker = create_worker(settings, handle_signals=False, poll_delay=0.05, **overrides)
        task = asyncio.create_task(worker.async_run())
        started.append((worker, task))
        return worker

    yield start
    for worker, task in started:
        await stop_worker(worker, task)


async def stop_worker(worker: Worker, task: asyncio.Task[None]) -> None:
    """``Worker.close`` without its deprecated ``Redis.close``: cancel the jobs, run
    ``on_shutdown``, close the pool."""
    # arq's loop cancelled inside one of its WATCH pipelines (``start_jobs``) can leave redis-py's
    # ``Pipeline`` holding its connection (``reset`` interrupted); the pool's ``aclose`` below closes
    # that connection, but the dropped pipeline's ``__del__`` still warns "Unclosed client session",
    # which this suite turns into an error in whatever test is running then (seen once in a full run).
    # That warning alone is silenced, here, and the garbage collected before leaving.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Unclosed client session <redis.asyncio.client.Pipeline", ResourceWarning
        )
        worker.handle_sig(signal.SIGUSR1)  # cancels running jobs and the main loop
        with suppress(asyncio.CancelledError):
            await task
        await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
        if worker._pool is not None:
            if worker.on_shutdown is not None and "services" in worker.ctx:
                await worker.on_shutdown(worker.ctx)
            await worker._pool.aclose()
            worker._pool = None
        gc.collect()
