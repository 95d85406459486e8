"""A board of 2,000 cards: its snapshot over HTTP takes under 300 ms on this machine.

The machine is shared (other test processes, two cores): when it is that loaded that a plain read of
the same 2,000 documents is slow too, the snapshot must stay within 3× that read instead.
"""

from __future__ import annotations

import time

from hub import keys
from hub.boards import positions
from schemas.events import Change, Put
from tests.boards.conftest import Board, Client, add_column, snapshot

CARDS = 2_000
LIMIT_MS = 300.0
LOADED_RATIO = 3.0


async def test_a_2000_card_board_snapshots_in_under_300_ms(client: Client, board: Board) -> None:
    columns = [await add_column(client, board, f"column {n}") for n in range(5)]
    keys_in_order = positions.spread(CARDS)

    async def decide() -> Change:
        # One import-like event: the same ops a card.created would write, 2,000 at once.
        now = "2026-11-27T05:00:00.000Z"
        docs = [
            {
                "_id": f"card{n:05d}",
                "board_id": board.id,
                "column_id": columns[n % 5]["id"],
                "title": f"カード {n}: 住民説明会の準備",
                "description": "説明 " * 20,
                "assignees": [board.owner.id],
                "labels": ["要確認", "2026"],
                "due": "2026-12-01",
                "position": keys_in_order[n],
                "version": 1,
                "archived": False,
                "created_at": now,
                "updated_at": now,
                "placed_at": now,
            }
            for n in range(CARDS)
        ]
        return Change(event="cards.imported", data={}, ops=[Put(collection="cards", doc=doc) for doc in docs])

    await client.app[keys.SERVICES].events.commit(f"board:{board.id}", decide, actor=None)
    timings = []
    for _ in range(8):
        started = time.perf_counter()
        snap = await snapshot(client, board)
        timings.append((time.perf_counter() - started) * 1000)
    assert sum(len(column["cards"]) for column in snap["columns"]) == CARDS
    cards = client.app[keys.DB]["cards"]
    raw = []
    for _ in range(8):
        started = time.perf_counter()
        await cards.find({"board_id": board.id}).batch_size(CARDS).to_list()
        raw.append((time.perf_counter() - started) * 1000)
    # The best of eight of each: slow runs are other processes' noise.
    best, raw_best = min(timings), min(raw)
    assert best < LIMIT_MS or best < LOADED_RATIO * raw_best, (timings, raw)
