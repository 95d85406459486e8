"""Peak memory of board snapshots: four concurrent ``GET /api/boards/{id}`` of a large board (issue 11:
1,000 cards with 19,000-character descriptions), on the real hub, next to a baseline hub in the
same run that builds the snapshot the simple way (every document, a model per card, one JSON
string and its bytes: the code before hub/boards/snapshot.py).

    .venv/bin/python bench/snapshot_memory.py [--cards 1000] [--chars 19000] [--readers 4]

Starts its own on-disk nx-27017 and redis-server (hub/embedded.py) and the two hubs as processes;
the peak is the process's VmHWM (reset through /proc/PID/clear_refs before each round).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.boards import _wait_ready  # noqa: E402
from hub.embedded import EmbeddedStack, free_port  # noqa: E402

ADMIN = ("bench-admin@dejima.test", "bench-admin-password")
_CARDS_PER_EVENT = 100  # one event document stays far below MongoDB's 16 MB


def _serve(port: int, *, baseline: bool) -> None:
    """Run one hub; the baseline one snapshots the simple way."""
    from aiohttp import web

    from hub.app import create_app
    from hub.settings import Settings

    if baseline:
        _install_simple_snapshot()
    web.run_app(create_app(Settings()), host="127.0.0.1", port=port, print=None, access_log=None)  # type: ignore[call-arg]


def _install_simple_snapshot() -> None:
    from hub.boards import model, snapshot, store
    from hub.boards.model import CARDS, COLUMNS
    from schemas.boards import BoardOut, ColumnWithCards

    async def read_everything(columns: Any, cards: Any, board_id: str) -> Any:
        column_docs = await columns.find({"board_id": board_id}).to_list()
        card_docs = await cards.find({"board_id": board_id}).batch_size(10_000).to_list()
        return {COLUMNS: {d["_id"]: d for d in column_docs}, CARDS: {d["_id"]: d for d in card_docs}}

    async def whole_body(self: snapshot.BoardSnapshot) -> AsyncIterator[bytes]:
        live_columns = sorted(
            (d for d in self.state[COLUMNS].values() if not d.get("_deleted")),
            key=lambda d: (d["position"], d["_id"]),
        )
        out = []
        for column in live_columns:
            cards = sorted(
                (
                    d
                    for d in self.state[CARDS].values()
                    if d["column_id"] == column["_id"] and not d.get("_deleted") and not d.get("archived")
                ),
                key=lambda d: (d["position"], d["_id"]),
            )
            out.append(
                ColumnWithCards(
                    **model.column_out(column).model_dump(), cards=[model.card_out(d) for d in cards]
                )
            )
        board = BoardOut(id=self.id, project_id=self.project_id, title=self.title, seq=self.seq, columns=out)
        yield board.model_dump_json().encode()

    store.read_compact_state = read_everything  # type: ignore[assignment]
    snapshot.BoardSnapshot.chunks = whole_body  # type: ignore[method-assign]


def _start(stack: EmbeddedStack, port: int, *, baseline: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DEJIMA_MONGODB_URL": stack.mongodb_url,
        "DEJIMA_REDIS_URL": stack.redis_url,
        "DEJIMA_SECRET_KEY": "bench-secret-" + "x" * 40,
        "DEJIMA_ADMIN_EMAIL": ADMIN[0],
        "DEJIMA_ADMIN_PASSWORD": ADMIN[1],
        "DEJIMA_LOG_FORMAT": "text",
    }
    command = [sys.executable, __file__, "--serve", str(port)] + (["--baseline"] if baseline else [])
    log = (stack.data_dir / f"hub-{port}.log").open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def _reset_peak(pid: int) -> None:
    """VmHWM back to the current resident size (Linux: ``5`` to /proc/PID/clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def _fill_board(stack: EmbeddedStack, board_id: str, column_id: str, cards: int, chars: int) -> None:
    """The cards as card.created would write them, committed through the event log in a few events."""
    from hub.boards import positions
    from hub.events.log import EventLog
    from hub.storage import mongo as mongo_storage
    from schemas.events import Change, Put

    client = mongo_storage.open_client(stack.mongodb_url)
    try:
        db = client[stack.mongodb_url.rsplit("/", 1)[1].split("?")[0] or "dejima"]
        log = EventLog(db)
        keys_in_order = positions.spread(cards)
        text = ("地域防災訓練の準備 Lorem ipsum dolor sit amet. " * (chars // 30 + 1))[:chars]
        for start in range(0, cards, _CARDS_PER_EVENT):

            async def decide(start: int = start) -> Change:
                now = "2026-11-27T05:00:00.000Z"
                docs = [
                    {
                        "_id": f"bench-card-{n:05d}",
                        "board_id": board_id,
                        "column_id": column_id,
                        "title": f"カード {n}",
                        "description": text,
                        "assignees": [],
                        "labels": ["要確認"],
                        "due": None,
                        "position": keys_in_order[n],
                        "version": 1,
                        "archived": False,
                        "created_at": now,
                        "updated_at": now,
                        "placed_at": now,
                    }
                    for n in range(start, min(cards, start + _CARDS_PER_EVENT))
                ]
                ops = [Put(collection="cards", doc=d) for d in docs]
                return Change(event="cards.imported", data={}, ops=ops)

            await log.commit(f"board:{board_id}", decide, actor=None)
    finally:
        await client.close()


async def _round(
    session: aiohttp.ClientSession, url: str, pid: int, token: str, board_id: str, readers: int
) -> tuple[int, int, float, int]:
    """(resident before, peak during, seconds for all readers, body bytes) of concurrent snapshots."""
    headers = {"Authorization": f"Bearer {token}"}

    async def read() -> int:
        async with session.get(f"{url}/api/boards/{board_id}", headers=headers) as response:
            assert response.status == 200, await response.text()
            return len(await response.read())

    await read()  # warm: imports, caches, pools
    await asyncio.sleep(0.5)
    _reset_peak(pid)
    before = _status_kb(pid, "VmRSS")
    started = time.perf_counter()
    sizes = await asyncio.gather(*(read() for _ in range(readers)))
    elapsed = time.perf_counter() - started
    return before, _status_kb(pid, "VmHWM"), elapsed, sizes[0]


async def bench(args: argparse.Namespace) -> None:
    stack = EmbeddedStack(data_dir=Path(tempfile.mkdtemp(prefix="dejima-bench-")), persistent=True)
    stack.start()
    ports = {"dejima": free_port(), "baseline": free_port()}
    processes = {name: _start(stack, port, baseline=name == "baseline") for name, port in ports.items()}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        async with aiohttp.ClientSession() as session:
            for url in urls.values():
                await _wait_ready(session, url)
            login = {"email": ADMIN[0], "password": ADMIN[1]}
            async with session.post(urls["dejima"] + "/api/auth/login", json=login) as response:
                token = (await response.json())["token"]
            headers = {"Authorization": f"Bearer {token}"}
            project_body = {"title": "bench", "summary": "", "visibility": "public"}
            projects = urls["dejima"] + "/api/projects"
            async with session.post(projects, json=project_body, headers=headers) as r:
                board_id = (await r.json())["board_id"]
            async with session.post(
                f"{urls['dejima']}/api/boards/{board_id}/columns", json={"title": "ToDo"}, headers=headers
            ) as r:
                column_id = (await r.json())["id"]
            await _fill_board(stack, board_id, column_id, args.cards, args.chars)
            results = {}
            for name in ("baseline", "dejima"):
                pid = processes[name].pid
                results[name] = await _round(session, urls[name], pid, token, board_id, args.readers)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=15)
        stack.stop()
    print(f"{args.readers} concurrent snapshots of {args.cards} cards × {args.chars} characters")
    for name, (before, peak, elapsed, size) in results.items():
        label = "dejima (chunks)" if name == "dejima" else "baseline (whole)"
        print(
            f"  {label:17} body {size / 1e6:5.1f} MB   resident {before / 1024:6.1f} MB → peak "
            f"{peak / 1024:6.1f} MB (+{(peak - before) / 1024:6.1f} MB)   {elapsed * 1000:7.0f} ms"
        )
    growth = {name: max(1, peak - before) for name, (before, peak, _, _) in results.items()}
    times = {name: elapsed for name, (_, _, elapsed, _) in results.items()}
    print(
        f"  ratio dejima/baseline: peak growth {growth['dejima'] / growth['baseline']:.2f}, "
        f"time {times['dejima'] / times['baseline']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=1_000)
    parser.add_argument("--chars", type=int, default=19_000)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, baseline=args.baseline)
    else:
        asyncio.run(bench(args))


if __name__ == "__main__":
    main()
