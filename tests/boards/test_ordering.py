"""Ordering under concurrency: clients on two app instances insert and move cards at random at once.

The final order must equal the order implied by the accepted operations (replayed in the order the
board's event log numbered them), and positions must stay strictly ordered and short.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from hub import keys
from tests.boards.conftest import Board, Client, add_column, snapshot
from tests.conftest import Account

OPERATIONS = 500
CLIENTS = 4
REFRESH_EVERY = 8  # each client re-reads the board this often, so some of its choices go stale


async def test_random_inserts_and_moves_from_two_instances(
    make_client: Any, client: Client, board: Board
) -> None:
    other = await make_client()
    columns = [await add_column(client, board, title) for title in ("A", "B", "C")]
    accepted: list[dict[str, Any]] = []
    refused = 0
    budget = iter(range(OPERATIONS))

    async def worker(number: int, http: Client, account: Account) -> None:
        nonlocal refused
        rnd = random.Random(number)
        view = await snapshot(http, board, account)
        for step, _ in enumerate(budget):
            if step % REFRESH_EVERY == 0:
                view = await snapshot(http, board, account)
            cards = [card for column in view["columns"] for card in column["cards"]]
            column = rnd.choice(columns)
            in_column = next(c for c in view["columns"] if c["id"] == column["id"])["cards"]
            after = rnd.choice([None, *[c["id"] for c in in_column]])
            if not cards or rnd.random() < 0.4:
                body = {"column_id": column["id"], "title": f"c{number}-{step}", "after": after}
                response = await http.post(
                    f"/api/boards/{board.id}/cards", json=body, headers=account.headers
                )
                kind = "insert"
            else:
                card = rnd.choice(cards)
                if after == card["id"]:
                    after = None
                body = {"column_id": column["id"], "after": after}
                response = await http.post(
                    f"/api/cards/{card['id']}/move", json=body, headers=account.headers
                )
                kind = "move"
            result = await response.json()
            if response.status == 409:
                refused += 1
                continue
            assert response.status in (200, 201), result
            accepted.append({"kind": kind, "card": result, "column_id": column["id"], "after": after})

    accounts = [board.owner, board.editor]
    await asyncio.gather(*(worker(n, (client, other)[n % 2], accounts[n % 2]) for n in range(CLIENTS)))

    # The seq of each accepted operation: the event that produced that version of that card.
    events = await client.app[keys.SERVICES].events.since(f"board:{board.id}", 0)
    seq_of = {(e.data["id"], e.data["version"]): e.seq for e in events if e.event.startswith("card.")}
    accepted.sort(key=lambda op: seq_of[(op["card"]["id"], op["card"]["version"])])

    implied: dict[str, list[str]] = {column["id"]: [] for column in columns}
    for op in accepted:
        card_id = op["card"]["id"]
        for ids in implied.values():
            if card_id in ids:
                ids.remove(card_id)
        target = implied[op["column_id"]]
        target.insert(0 if op["after"] is None else target.index(op["after"]) + 1, card_id)

    final = await snapshot(client, board)
    assert {c["id"]: [card["id"] for card in c["cards"]] for c in final["columns"]} == implied
    for column in final["columns"]:
        keys_in_order = [card["position"] for card in column["cards"]]
        assert keys_in_order == sorted(keys_in_order) and len(set(keys_in_order)) == len(keys_in_order)
        assert all(len(key) <= 8 for key in keys_in_order), keys_in_order
    assert len(accepted) + refused == OPERATIONS and len(accepted) > OPERATIONS * 0.8
    assert final["seq"] == len(columns) + len(accepted)
