"""Board figures on this machine: snapshot time of a 2,000-card board, change latency to 200
subscribers on another instance, sustained changes per second — each next to a baseline measured in
the same run on the same servers, with the ratio.

    /work/venv/bin/python bench/boards.py [--cards 2000] [--subscribers 200] [--changes 50]
                                          [--only sustained|snapshot|latency|attachments|card-page]

``attachments`` and ``card-page`` are issue 15's figures (bench/card_parts.py): a 20 MiB upload and
download next to PyMongo's own GridFS bucket, with the hub's RSS growth; and the board page of 500
cards with checklists and attachments next to the same JSON as plain list items.

Starts its own on-disk nx-27017 and redis-server (hub/embedded.py) and two ``dejima serve``
processes; the bench process plays the people (HTTP writers) and the subscribers (``websockets``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from card_parts import attachments_section, card_page_section, fill_parts  # noqa: E402

from hub.embedded import EmbeddedStack, free_port  # noqa: E402
from hub.storage import mongo as mongo_storage  # noqa: E402

ADMIN = ("bench-admin@dejima.test", "bench-admin-password")


def _start_instance(stack: EmbeddedStack, port: int, **extra_env: str) -> subprocess.Popen[bytes]:
    """One ``dejima serve`` on the stack; ``extra_env`` adds or overrides settings."""
    env = {
        **os.environ,
        "DEJIMA_MONGODB_URL": stack.mongodb_url,
        "DEJIMA_REDIS_URL": stack.redis_url,
        "DEJIMA_SECRET_KEY": "bench-secret-" + "x" * 40,
        "DEJIMA_ALLOWED_ORIGINS": f"http://127.0.0.1:{port}",
        "DEJIMA_ADMIN_EMAIL": ADMIN[0],
        "DEJIMA_ADMIN_PASSWORD": ADMIN[1],
        "DEJIMA_LOG_FORMAT": "text",
        **extra_env,
    }
    command = [sys.executable, "-c", "from hub.cli import main; main()", "serve", "--port", str(port)]
    log = (stack.data_dir / f"instance-{port}.log").open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


async def _wait_ready(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(300):
        try:
            async with session.get(url + "/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready")


async def _sign_in(session: aiohttp.ClientSession, url: str) -> str:
    """The bench admin's bearer token on the instance at ``url``."""
    async with session.post(url + "/api/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]}) as r:
        token: str = (await r.json())["token"]
    return token


async def _call(session: aiohttp.ClientSession, method: str, url: str, token: str, body: Any = None) -> Any:
    async with session.request(
        method, url, json=body, headers={"Authorization": f"Bearer {token}"}
    ) as response:
        data = await response.json()
        if response.status >= 300:
            raise RuntimeError(f"{method} {url}: {response.status} {data}")
        return data


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms"


async def bench(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="dejima-bench-"))
    stack = EmbeddedStack(data_dir=data_dir, persistent=True)
    stack.start()
    ports = [free_port(), free_port()]
    processes = [_start_instance(stack, port) for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with aiohttp.ClientSession() as session:
            for url in urls:
                await _wait_ready(session, url)
            # Each instance's settings allow its own origin only; the bench sends no Origin header.
            token = await _sign_in(session, urls[0])
            project = await _call(
                session,
                "POST",
                urls[0] + "/api/projects",
                token,
                {"title": "bench", "summary": "", "visibility": "public"},
            )
            board_id = project["board_id"]
            columns = [
                (
                    await _call(
                        session, "POST", f"{urls[0]}/api/boards/{board_id}/columns", token, {"title": f"c{i}"}
                    )
                )["id"]
                for i in range(5)
            ]
            if args.only in (None, "attachments"):
                card = await _call(
                    session,
                    "POST",
                    f"{urls[0]}/api/boards/{board_id}/cards",
                    token,
                    {"column_id": columns[0], "title": "attachments"},
                )
                await attachments_section(
                    session,
                    urls[0],
                    token,
                    card["id"],
                    mongodb_url=stack.mongodb_url,
                    hub_pid=processes[0].pid,
                )
            if args.only in (None, "card-page"):
                await _card_page(session, urls[0], token, args.page_cards)
            if args.only in ("attachments", "card-page"):
                return
            await _sustained(session, urls, token, board_id, columns, args.cards, stack)
            if args.only in (None, "snapshot"):
                await _snapshot(session, urls[1], token, board_id, args.cards, stack)
            if args.only in (None, "latency"):
                await _latency(session, urls, token, board_id, args.subscribers, args.changes)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stack.stop()


async def _card_page(session: aiohttp.ClientSession, url: str, token: str, cards: int) -> None:
    project = await _call(
        session,
        "POST",
        url + "/api/projects",
        token,
        {"title": "page", "summary": "", "visibility": "public"},
    )
    board_id = project["board_id"]
    columns = [
        (await _call(session, "POST", f"{url}/api/boards/{board_id}/columns", token, {"title": f"列 {i}"}))[
            "id"
        ]
        for i in range(5)
    ]
    await fill_parts(session, url, token, board_id, columns, cards)

    async def sign_in(page: Any) -> None:
        await page.goto(url + "/login")
        await page.fill("#login-email", ADMIN[0])
        await page.fill("#login-password", ADMIN[1])
        await page.click("#login-form button[type=submit]")
        await page.wait_for_url(lambda target: "/login" not in target)

    await card_page_section(url, board_id, cards, sign_in=sign_in)


async def _sustained(
    session: aiohttp.ClientSession,
    urls: list[str],
    token: str,
    board_id: str,
    columns: list[str],
    cards: int,
    stack: EmbeddedStack,
) -> None:
    writers = 8
    queue = iter(range(cards))

    async def writer(number: int) -> None:
        url = urls[number % 2]
        for index in queue:
            body = {
                "column_id": columns[index % len(columns)],
                "title": f"card {index}",
                "description": "x" * 80,
            }
            await _call(session, "POST", f"{url}/api/boards/{board_id}/cards", token, body)

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(writers)))
    rate = cards / (time.perf_counter() - started)

    client = mongo_storage.open_client(stack.mongodb_url)
    try:
        collection = client["bench_baseline"]["docs"]
        counter = iter(range(cards))

        async def raw(_: int) -> None:
            for index in counter:
                await collection.insert_one({"i": index, "title": f"card {index}", "description": "x" * 80})

        started = time.perf_counter()
        await asyncio.gather(*(raw(n) for n in range(writers)))
        baseline = cards / (time.perf_counter() - started)
    finally:
        await client.close()
    print(
        f"sustained changes   {rate:8.0f} card creations/s  ({writers} writers, 2 instances, {cards} cards)"
    )
    print(
        f"  baseline          {baseline:8.0f} raw insert_one/s, same MongoDB  → ratio {rate / baseline:.3f}"
    )


async def _snapshot(
    session: aiohttp.ClientSession, url: str, token: str, board_id: str, cards: int, stack: EmbeddedStack
) -> None:
    times = []
    for _ in range(10):
        started = time.perf_counter()
        snap = await _call(session, "GET", f"{url}/api/boards/{board_id}", token)
        times.append((time.perf_counter() - started) * 1000)
    assert sum(len(c["cards"]) for c in snap["columns"]) == cards
    client = mongo_storage.open_client(stack.mongodb_url)
    try:
        db = client[stack.mongodb_url.rsplit("/", 1)[1].split("?")[0] or "dejima"]
        raw = []
        for _ in range(10):
            started = time.perf_counter()
            await db["cards"].find({"board_id": board_id}).to_list()
            raw.append((time.perf_counter() - started) * 1000)
    finally:
        await client.close()
    print(f"snapshot            {_ms(times)}  (GET /api/boards/{{id}}, {cards} cards, over HTTP)")
    print(
        f"  baseline          {_ms(raw)}  (raw find of the same {cards} card documents)"
        f"  → ratio {statistics.median(times) / statistics.median(raw):.2f}"
    )


async def _latency(
    session: aiohttp.ClientSession, urls: list[str], token: str, board_id: str, subscribers: int, changes: int
) -> None:
    ws_url = urls[1].replace("http://", "ws://") + "/ws"
    headers = {"Authorization": f"Bearer {token}"}
    sockets: list[ClientConnection] = []
    for index in range(subscribers):
        ws = await connect(ws_url, additional_headers=headers, max_queue=None)
        await ws.send(json.dumps({"type": "subscribe", "ref": str(index), "channel": f"board:{board_id}"}))
        while json.loads(await ws.recv())["type"] != "subscribed":
            pass
        sockets.append(ws)
    board = await _call(session, "GET", f"{urls[0]}/api/boards/{board_id}", token)
    card = board["columns"][0]["cards"][0]
    seen: dict[int, list[float]] = {}

    async def listen(ws: ClientConnection) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "event":
                seen.setdefault(frame["seq"], []).append(time.perf_counter())

    listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
    from_accept: list[float] = []
    from_send: list[float] = []
    version = card["version"]
    for number in range(changes):
        sent = time.perf_counter()
        body = {"version": version, "title": f"latency {number}"}
        async with session.patch(f"{urls[0]}/api/cards/{card['id']}", json=body, headers=headers) as response:
            updated = await response.json()
        accepted = time.perf_counter()
        version = updated["version"]
        deadline = time.perf_counter() + 10
        seq_wanted = None
        while time.perf_counter() < deadline:
            seq_wanted = seq_wanted or next((s for s in sorted(seen) if s > board["seq"] + number), None)
            if seq_wanted is not None and len(seen.get(seq_wanted, [])) >= subscribers:
                break
            await asyncio.sleep(0.001)
        stamps = seen.get(seq_wanted or -1, [])
        if len(stamps) < subscribers:
            raise RuntimeError(f"change {number}: only {len(stamps)} of {subscribers} subscribers saw it")
        from_accept += [(stamp - accepted) * 1000 for stamp in stamps]
        from_send += [(stamp - sent) * 1000 for stamp in stamps]
        await asyncio.sleep(0.02)

    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    # Baseline: the protocol's own {"type": "ping"} answered by instance B on one of the same sockets.
    pings = []
    for number in range(changes):
        started = time.perf_counter()
        await sockets[0].send(json.dumps({"type": "ping", "ref": f"p{number}"}))
        while json.loads(await sockets[0].recv()).get("ref") != f"p{number}":
            pass
        pings.append((time.perf_counter() - started) * 1000)
    for ws in sockets:
        await ws.close()
    print(
        f"change latency      {_ms(from_send)}  (sent to A → seen by each of {subscribers} subscribers on B)"
    )
    print(f"  after accepted    {_ms(from_accept)}  (HTTP answer in → seen; negative: the event came first)")
    print(
        f"  baseline          {_ms(pings)}  (protocol ping → pong on instance B)"
        f"  → ratio {statistics.median(from_send) / statistics.median(pings):.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--changes", type=int, default=50)
    # The board is always filled by the sustained writers; the other two parts can be left out.
    parser.add_argument("--only", choices=["sustained", "snapshot", "latency", "attachments", "card-page"])
    parser.add_argument("--page-cards", type=int, default=500, help="cards of the card-page section")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
