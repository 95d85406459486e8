"""Search and Trello-import figures on this machine, each next to a baseline measured in the same run.

    .venv/bin/python bench/search.py [--boards 40] [--cards 20000] [--queries 40]

Starts its own on-disk nx-27017 and redis-server (hub/embedded.py) and one ``dejima serve``. It fills
40 boards through the real Trello import (board 1 gets a 2,000-card export, timed: issue 16 asks
< 30 s), 20,000 cards in all with Japanese titles, descriptions, checklists and comments, then asks
``GET /api/search`` as an admin (every board readable) for a mix of words, and for each answer a raw
indexed ``find`` of the same cards (``{_id: {$in: ids}}``) straight from MongoDB: the floor of any
search that must hand back those cards. Figures: p50/p95 of each, their ratio, the first (cold)
search that loads the boards' texts, and the server's memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.boards import _call, _sign_in, _start_instance, _wait_ready  # noqa: E402
from hub.embedded import EmbeddedStack, free_port  # noqa: E402
from hub.storage import mongo as mongo_storage  # noqa: E402

# Words of a town's projects; titles and descriptions are runs of them, like real cards.
WORDS = tuple(
    "地域 防災 訓練 会場 予約 町内会 公民館 回覧板 広報 チラシ 名簿 見積もり 報告書 会議 議事録 "  # noqa: SIM905
    "清掃 祭り 子ども 見守り 高齢者 買い物 支援 ボランティア 募集 自治体 補助金 申請 締め切り "
    "確認 連絡 準備 予算 備品 消火器 避難所 地図 アンケート 集計 写真 ホームページ 更新".split()
)
LATIN = tuple("workshop survey budget meeting volunteer poster map report cleanup festival".split())  # noqa: SIM905
QUERIES = [
    "防災",
    "避難所",
    "補助金申請",
    "ボランティア",
    "消火器",
    "survey",
    "ＭＥＥＴＩＮＧ",
    "議事録",
    "見守り",
    "存在しない",
]


def _text(rng: random.Random, words: int) -> str:
    parts = [rng.choice(WORDS) if rng.random() < 0.85 else rng.choice(LATIN) for _ in range(words)]
    return "".join(part if i % 4 else part + "、" for i, part in enumerate(parts))


def trello_export(cards: int, seed: int) -> dict[str, Any]:
    """A Trello "Export as JSON" of ``cards`` cards in 5 open lists and a closed one."""
    rng = random.Random(seed)
    lists = [
        {"id": f"l{seed}-{n}", "name": f"リスト {n}", "closed": n == 5, "pos": 1000 * (n + 1)}
        for n in range(6)
    ]
    out_cards, checklists, actions = [], [], []
    for n in range(cards):
        card_id = f"c{seed}-{n}"
        out_cards.append(
            {
                "id": card_id,
                "idList": lists[rng.randrange(6)]["id"],
                "name": _text(rng, 4),
                "desc": _text(rng, rng.randrange(5, 40)),
                "pos": n * 1024.5,
                "closed": rng.random() < 0.05,
                "due": f"2026-12-{rng.randrange(1, 29):02d}T03:00:00.000Z" if rng.random() < 0.3 else None,
                "labels": [{"id": "x", "name": rng.choice(["要確認", "広報", "会計"]), "color": "red"}],
            }
        )
        if n % 5 == 0:
            items = [
                {"id": f"{card_id}-i{k}", "name": _text(rng, 2), "state": "incomplete", "pos": k}
                for k in range(3)
            ]
            checklists.append({"id": f"{card_id}-k", "idCard": card_id, "pos": 1, "checkItems": items})
        if n % 4 == 0:
            actions.append(
                {
                    "id": f"{card_id}-a",
                    "type": "commentCard",
                    "date": "2026-11-01T00:00:00.000Z",
                    "data": {"text": _text(rng, 6), "card": {"id": card_id}},
                    "memberCreator": {"fullName": "山田 花子"},
                }
            )
    return {
        "name": f"board {seed}",
        "lists": lists,
        "cards": out_cards,
        "checklists": checklists,
        "actions": actions,
    }


def _stats(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def bench(args: argparse.Namespace) -> None:
    stack = EmbeddedStack(data_dir=Path(tempfile.mkdtemp(prefix="dejima-bench-search-")), persistent=True)
    stack.start()
    port = free_port()
    process = _start_instance(stack, port)
    url = f"http://127.0.0.1:{port}"
    mongo = mongo_storage.open_client(stack.mongodb_url)
    try:
        async with aiohttp.ClientSession() as session:
            await _wait_ready(session, url)
            token = await _sign_in(session, url)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            first = 2_000
            rest = (args.cards - first) // (args.boards - 1)
            for number in range(args.boards):
                # The remainder goes to the last boards, so that the total is exactly ``--cards``.
                extra = 1 if number > args.boards - 1 - (args.cards - first) % (args.boards - 1) else 0
                count = first if number == 0 else rest + extra
                project = await _call(
                    session,
                    "POST",
                    url + "/api/projects",
                    token,
                    {"title": f"プロジェクト {number}", "summary": "", "visibility": "public"},
                )
                body = json.dumps(trello_export(count, number), ensure_ascii=False).encode()
                started = time.perf_counter()
                async with session.post(
                    f"{url}/api/projects/{project['id']}/import/trello", data=body, headers=headers
                ) as response:
                    result = await response.json()
                    assert response.status == 201, result
                took = time.perf_counter() - started
                if number == 0:
                    print(
                        f"Trello import of {count:,} cards ({len(body) / 1e6:.1f} MB, "
                        f"{result['comments']} comments, {result['checklist_items']} checklist items): "
                        f"{took:.1f} s (issue: < 30 s)"
                    )
            db = mongo.get_database("dejima")
            total = await db["cards"].count_documents({})
            print(f"cards stored: {total:,} on {args.boards} boards")

            async def search(q: str) -> tuple[float, list[str]]:
                started = time.perf_counter()
                async with session.get(url + "/api/search", params={"q": q}, headers=headers) as response:
                    page = await response.json()
                    assert response.status == 200, page
                return (time.perf_counter() - started) * 1000, [item["card"]["id"] for item in page["items"]]

            cold, _ = await search("防災")
            print(
                f"first search (loads every board's texts): {cold:.0f} ms; "
                f"server RSS {_rss_mib(process.pid):.0f} MiB"
            )
            timings: list[float] = []
            raws: list[float] = []
            hits = 0
            for round_ in range(args.queries):
                q = QUERIES[round_ % len(QUERIES)]
                took, ids = await search(q)
                hits += len(ids)
                started = time.perf_counter()
                await db["cards"].find({"_id": {"$in": ids}}).to_list()
                raws.append((time.perf_counter() - started) * 1000)
                timings.append(took)
            p50, p95 = _stats(timings)
            raw50, raw95 = _stats(raws)
            print(
                f"search over HTTP         p50 {p50:6.1f} ms  p95 {p95:6.1f} ms   "
                f"({hits / len(timings):.0f} cards a page)"
            )
            print(f"raw indexed find (same)  p50 {raw50:6.1f} ms  p95 {raw95:6.1f} ms")
            print(f"ratio (p50): {p50 / raw50:.2f}x   (issue: p50 <= 100 ms and <= 3x)")
    finally:
        await mongo.close()
        process.terminate()
        process.wait(timeout=15)
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--boards", type=int, default=40)
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=40)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
