"""An urgent notice to residents (issue 18): 3,000 LINE followers and 1,000 e-mail subscribers.

    python bench/residents.py            # 3,000 followers, 1,000 subscribers
    python bench/residents.py --quick    # 600 and 200

Everything runs on this machine: the embedded stack (nx-27017, redis-server), a local fake of the
LINE Messaging API (aiohttp; honours retry keys), an SMTP server (aiosmtpd, in a thread), and one
arq worker of Dejima's main queue in this process. The notice is published as the hub publishes it
(``AnnouncementService.create``); the clock runs from there until LINE has accepted every follower
and the SMTP server every message. Printed: that time, the number of multicast calls, and the ratio
to a baseline measured in the same run: the same request bodies and e-mails sent straight from a
loop with the worker's concurrency, without the outbox, arq or MongoDB.
"""

from __future__ import annotations

import argparse
import asyncio
import email.parser
import email.policy
import secrets
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import aiosmtplib  # noqa: E402
from aiohttp import web  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from arq import create_pool  # noqa: E402
from arq.connections import RedisSettings  # noqa: E402

from hub.embedded import EmbeddedStack, free_port  # noqa: E402
from hub.identity.users import to_principal  # noqa: E402
from hub.residents.model import FOLLOWERS, SUBSCRIBERS, follower_id  # noqa: E402
from hub.residents.subscribers import subscriber_id  # noqa: E402
from hub.services import build_services  # noqa: E402
from hub.settings import Settings  # noqa: E402
from hub.storage import mongo as mongo_storage  # noqa: E402
from hub.storage import redis as redis_storage  # noqa: E402
from schemas.announcements import AnnouncementIn  # noqa: E402

TOKEN = "bench-line-token"  # noqa: S105 - the local fake's, nothing real
# arq's default: jobs one worker runs at once. The baseline sends with the same concurrency.
CONCURRENCY = 10


class FakeLine:
    def __init__(self) -> None:
        self.accepted: dict[str, list[str]] = {}
        self.bodies: list[dict[str, Any]] = []
        self.multicasts = 0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/v2/bot/message/multicast", self.handle)
        app.router.add_post("/v2/bot/message/push", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"message": "auth"}, status=401)
        key = request.headers.get("X-Line-Retry-Key", "")
        body = await request.json()
        if key in self.accepted:
            return web.json_response({}, status=409, headers={"x-line-accepted-request-id": key})
        to = body["to"] if isinstance(body["to"], list) else [body["to"]]
        self.multicasts += int(request.path.endswith("/multicast"))
        self.accepted[key] = to
        self.bodies.append(body)
        return web.json_response({})

    def recipients(self) -> int:
        return sum(len(to) for to in self.accepted.values())


class Mailbox:
    def __init__(self) -> None:
        self.count = 0
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        self.raw.append(envelope.original_content or envelope.content)
        return "250 OK"


async def wait_for(check: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("not everything arrived in time")
        await asyncio.sleep(0.01)


async def run(stack: EmbeddedStack, followers: int, subscribers: int) -> None:
    from workers.settings import create_worker

    line = FakeLine()
    runner = web.AppRunner(line.app(), access_log=None)
    await runner.setup()
    line_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", line_port).start()
    box = Mailbox()
    smtp_port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    settings = Settings(  # type: ignore[call-arg]
        mongodb_url=stack.mongodb_url,
        redis_url=stack.redis_url,
        mongodb_database="bench_residents_" + secrets.token_hex(4),
        secret_key="bench-secret-" + "x" * 40,
        public_url="http://dejima.test",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_from="Dejima <no-reply@dejima.test>",
        line_api_base=f"http://127.0.0.1:{line_port}",
        line_channel_token=TOKEN,
        line_channel_secret="bench-line-secret",  # noqa: S106 - the local fake's
    )
    mongo = mongo_storage.open_client(settings.mongodb_url)
    redis = redis_storage.open_client(settings.redis_url)
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    db = mongo[settings.database_name]
    services = build_services(settings=settings, db=db, redis=redis, arq=pool)
    await services.ensure_indexes()
    now = datetime.now(UTC)
    await db[FOLLOWERS].insert_many(
        [
            {"_id": follower_id(f"U{n:032x}"), "line_user_id": f"U{n:032x}", "topics": [], "followed_at": now}
            for n in range(followers)
        ]
    )
    await db[SUBSCRIBERS].insert_many(
        [
            {
                "_id": subscriber_id(f"resident{n}@example.jp"),
                "email": f"resident{n}@example.jp",
                "state": "confirmed",
                "topics": [],
                "locale": "ja",
                "created_at": now,
            }
            for n in range(subscribers)
        ]
    )
    admin = await services.identity.users.create(email="admin@dejima.test", name="Admin", role="admin")
    doc = await services.identity.users.get(admin.id)
    assert doc is not None
    principal = to_principal(doc, session_id="bench")
    worker = create_worker(settings, handle_signals=False, poll_delay=0.02)
    task = asyncio.create_task(worker.async_run())
    await asyncio.sleep(1.0)  # the worker's startup (indexes, cron at startup)

    notice = AnnouncementIn.model_validate(
        {
            "title": "【避難指示】磐梯川の水位上昇",
            "body": "磐梯川の水位が上がっています。川沿いの方は、ただちに高台の避難所へ避難してください。",
            "audience": {"residents": True},
            "priority": "urgent",
        }
    )
    started = time.monotonic()
    await services.announcements.service.create(principal, notice, key=None)
    published = time.monotonic()
    marks: dict[str, float] = {}

    def done() -> bool:
        now = time.monotonic() - started
        if "line" not in marks and line.recipients() >= followers:
            marks["line"] = now
        if "email" not in marks and box.count >= subscribers:
            marks["email"] = now
        return "line" in marks and "email" in marks

    async def written() -> None:
        while (await db["announcements"].find_one({"residents": "done"}, {"_id": 1})) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        marks["written"] = time.monotonic() - started

    watcher = asyncio.create_task(written())
    await wait_for(done, timeout_s=300)
    outbox_s = time.monotonic() - started
    await watcher
    multicasts = line.multicasts

    # Baseline: the same bodies and messages, straight from a loop, same concurrency.
    bodies, messages = list(line.bodies), list(box.raw)
    line.accepted.clear()
    box.count = 0
    gate = asyncio.Semaphore(CONCURRENCY)
    parser = email.parser.BytesParser(policy=email.policy.SMTP)

    async with aiohttp.ClientSession() as session:

        async def post(body: dict[str, Any]) -> None:
            async with (
                gate,
                session.post(
                    f"http://127.0.0.1:{line_port}/v2/bot/message/multicast",
                    json=body,
                    headers={"Authorization": f"Bearer {TOKEN}", "X-Line-Retry-Key": str(uuid.uuid4())},
                ) as response,
            ):
                assert response.status == 200

        async def mail(raw: bytes) -> None:
            async with gate:
                await aiosmtplib.send(parser.parsebytes(raw), hostname="127.0.0.1", port=smtp_port)

        base_started = time.monotonic()
        await asyncio.gather(*[post(b) for b in bodies], *[mail(m) for m in messages])
        baseline_s = time.monotonic() - base_started

    print(f"followers: {followers}, e-mail subscribers: {subscribers}")
    print(f"publish call returned after: {published - started:.2f} s")
    print(f"all delivered after publishing: {outbox_s:.2f} s (target <= 10 s)")
    print(
        f"  deliveries written after {marks['written']:.2f} s; LINE all accepted after {marks['line']:.2f} s;"
        f" e-mail all accepted after {marks['email']:.2f} s"
    )
    print(f"LINE multicast calls: {multicasts} (expected {-(-followers // 500)})")
    print(f"baseline, same bytes without the outbox: {baseline_s:.2f} s")
    print(f"ratio outbox / baseline: {outbox_s / baseline_s:.2f}")

    worker.handle_sig(2)
    await asyncio.gather(task, return_exceptions=True)
    await pool.aclose()
    await mongo.drop_database(settings.database_name)
    await mongo.close()
    await redis.aclose()
    controller.stop()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    followers, subscribers = (600, 200) if args.quick else (3000, 1000)
    with tempfile.TemporaryDirectory() as folder:
        stack = EmbeddedStack(data_dir=Path(folder), persistent=False)
        stack.start()
        try:
            asyncio.run(run(stack, followers, subscribers))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
