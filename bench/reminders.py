"""Due reminder sweep over many cards with a due: one cron pass, next to baselines measured in the
same run on the same database.

    .venv/bin/python bench/reminders.py [--cards 50000] [--due-now 20] [--passes 5]

Starts its own on-disk nx-27017 and redis-server (hub/embedded.py). One real project with a board and
a column; ``--cards`` cards with a due spread over the next 60 days are stored as the log stores them
(card and reminder documents, written in bulk: creating 50,000 cards through the API would measure
the API), ``--due-now`` of them with a moment that has come. Then, with the clock fixed:

- ``sweep (idle)``: a pass when no reminder is due (what almost every pass of the 10 s cron is);
- ``sweep (due)``: the pass that sends the ``--due-now`` reminders (event, notification, stage move);
- ``raw indexed find``: the same range query as the sweep, by hand (the baseline of the idle pass);
- ``scan``: the same question asked without the index (``due_at_ms`` is not indexed): what a sweep
  that read every card with a due would cost.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.boards.model import CARDS, DUE_REMINDERS  # noqa: E402
from hub.embedded import EmbeddedStack  # noqa: E402
from hub.identity.users import to_principal  # noqa: E402
from hub.services import build_services  # noqa: E402
from hub.settings import Settings  # noqa: E402
from hub.storage import mongo as mongo_storage  # noqa: E402
from hub.storage import redis as redis_storage  # noqa: E402
from schemas.boards import ColumnCreate  # noqa: E402
from schemas.projects import ProjectCreate  # noqa: E402

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


async def _timed(run: Any, passes: int) -> list[float]:
    times = []
    for _ in range(passes):
        start = time.perf_counter()
        await run()
        times.append((time.perf_counter() - start) * 1000)
    return times


async def bench(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = EmbeddedStack(data_dir=Path(tmp), persistent=True)
        stack.start()
        try:
            await _run(stack, args)
        finally:
            stack.stop()


async def _run(stack: EmbeddedStack, args: argparse.Namespace) -> None:
    settings = Settings(
        mongodb_url=stack.mongodb_url,
        redis_url=stack.redis_url,
        mongodb_database="bench_reminders",
        secret_key="bench-secret-" + "x" * 40,
    )
    client = mongo_storage.open_client(settings.mongodb_url)
    redis = redis_storage.open_client(settings.redis_url)
    clock = [NOW]
    services = build_services(
        settings=settings, db=client[settings.database_name], redis=redis, clock=lambda: clock[0]
    )
    await services.ensure_indexes()
    db = services.db
    user = await services.identity.users.create(email="owner@dejima.test", name="Owner", role="member")
    owner = to_principal(await services.identity.users.get(user.id) or {}, session_id="bench")
    project = await services.projects.service.create(
        owner, ProjectCreate(title="Bench", summary="", visibility="internal"), key=None, address=None
    )
    column = await services.boards.columns.create_column(
        owner, project.board_id, ColumnCreate(title="Todo"), idempotency_key=None
    )

    print(f"storing {args.cards:,} cards with a due ({args.due_now} of them due now) …", flush=True)
    cards, reminders = [], []
    for number in range(args.cards):
        due_now = number < args.due_now
        due_at = NOW + (timedelta(hours=1) if due_now else timedelta(days=2, minutes=number))
        at = due_at - timedelta(hours=24)
        card_id = f"bench{number:08d}"
        cards.append(
            {
                "_id": card_id,
                "board_id": project.board_id,
                "column_id": column.id,
                "title": f"Card {number}",
                "description": "",
                "assignees": [],
                "labels": [],
                "due": due_at.isoformat(),
                "due_at": due_at,
                "followers": [user.id],
                "position": f"a{number:08d}",
                "version": 1,
                "archived": False,
                "created_at": NOW,
                "updated_at": NOW,
                "created_by": user.id,
                "placed_at": NOW,
                "_seq": 1,
                "_deleted": False,
            }
        )
        reminders.append(
            {
                "_id": card_id,
                "board_id": project.board_id,
                "arm": f"arm{number}",
                "stage": "soon",
                "at_ms": _ms(at),
                "due_at_ms": _ms(due_at),
                "due": due_at.isoformat(),
                "lease_ms": 0,
                "_seq": 1,
                "_deleted": False,
            }
        )
    for start in range(0, len(cards), 5000):
        await db[CARDS].insert_many(cards[start : start + 5000])
        await db[DUE_REMINDERS].insert_many(reminders[start : start + 5000])

    now_ms = _ms(NOW)

    async def raw_find() -> None:
        await db[DUE_REMINDERS].find({"at_ms": {"$gt": 0, "$lte": now_ms}}).limit(500).to_list()

    async def scan() -> None:
        # The same question of every card with a due, by a field that has no index.
        await db[DUE_REMINDERS].find({"due_at_ms": {"$gt": 0, "$lte": now_ms + 24 * 3600 * 1000}}).to_list()

    # The pass that sends: once (the reminders move on), then the idle passes.
    start = time.perf_counter()
    sent = await services.boards.reminders.sweep()
    due_ms = (time.perf_counter() - start) * 1000
    idle = await _timed(services.boards.reminders.sweep, args.passes)
    raw = await _timed(raw_find, args.passes)
    scanned = await _timed(scan, max(1, args.passes // 2))
    assert sent == args.due_now, (sent, args.due_now)

    def line(name: str, values: list[float]) -> float:
        median = statistics.median(values)
        print(f"  {name:<22} median {median:9.1f} ms   (runs: {', '.join(f'{v:.1f}' for v in values)})")
        return median

    print(f"\nreminder sweep over {args.cards:,} cards with a due")
    print(f"  {'sweep (due)':<22} {due_ms:16.1f} ms   ({sent} reminders sent: event + notification each)")
    idle_m = line("sweep (idle)", idle)
    raw_m = line("raw indexed find", raw)
    scan_m = line("scan without index", scanned)
    print(f"\n  idle pass / raw indexed find: {idle_m / raw_m:.2f}×")
    print(f"  scan without index / idle pass: {scan_m / idle_m:.1f}×")
    verdict = {True: "yes", False: "NO"}
    print(f"  sending pass ≤ 1 s: {verdict[due_ms <= 1000]};  idle pass ≤ 1 s: {verdict[idle_m <= 1000]}")
    await redis.aclose()
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=50_000)
    parser.add_argument("--due-now", type=int, default=20)
    parser.add_argument("--passes", type=int, default=5)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
