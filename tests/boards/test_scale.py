"""A board of 2,000 cards: its snapshot over HTTP holds every card, each column in display order.

How fast that snapshot is, against a raw read of the same documents, is measured by
``bench/boards.py`` (figures in docs/boards.md), not asserted here: a shared two-core machine makes
timed assertions flaky without proving anything a benchmark does not.
"""

from __future__ import annotations

from hub import keys
from hub.boards import positions
from schemas.events import Change, Put
from tests.boards.conftest import Board, Client, add_column, snapshot

CARDS = 2_000


async def test_a_2000_card_board_snapshots_whole_and_in_order(client: Client, board: Board) -> None:
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
    snap = await snapshot(client, board)
    assert [column["id"] for column in snap["columns"]] == [column["id"] for column in columns]
    for number, column in enumerate(snap["columns"]):
        expected = [f"card{n:05d}" for n in range(number, CARDS, 5)]
        assert [card["id"] for card in column["cards"]] == expected
