"""A snapshot plus the events after its ``seq`` rebuild the board exactly, while others keep writing."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from tests.boards.conftest import Board, Client, add_column, snapshot
from tests.boards.replay import apply_event, without_volatile
from tests.conftest import Account

CHANGES = 300
WRITERS = 3


async def _change(
    http: Client, board: Board, account: Account, rnd: random.Random, view: dict[str, Any]
) -> int:
    """One random change as a person would make it; returns the status."""
    columns = view["columns"]
    cards = [card for column in columns for card in column["cards"]]
    roll = rnd.random()
    headers = account.headers
    if roll < 0.05 or not columns:
        body: dict[str, Any] = {"title": f"col {rnd.randrange(1000)}"}
        if columns and rnd.random() < 0.5:
            body["after"] = rnd.choice(columns)["id"]
        response = await http.post(f"/api/boards/{board.id}/columns", json=body, headers=headers)
    elif roll < 0.1:
        column = rnd.choice(columns)
        if rnd.random() < 0.5:
            body = {"version": column["version"], "title": f"renamed {rnd.randrange(1000)}"}
            response = await http.patch(f"/api/columns/{column['id']}", json=body, headers=headers)
        else:
            after = rnd.choice([None, *[c["id"] for c in columns if c["id"] != column["id"]]])
            response = await http.post(
                f"/api/columns/{column['id']}/move", json={"after": after}, headers=headers
            )
    elif roll < 0.45 or not cards:
        column = rnd.choice(columns)
        after = rnd.choice([None, *[c["id"] for c in column["cards"]]])
        body = {"column_id": column["id"], "title": f"card {rnd.randrange(10_000)}", "after": after}
        response = await http.post(f"/api/boards/{board.id}/cards", json=body, headers=headers)
    else:
        card = rnd.choice(cards)
        if roll < 0.65:
            body = {
                "version": card["version"],
                rnd.choice(["title", "description"]): f"t{rnd.randrange(10_000)}",
            }
            response = await http.patch(f"/api/cards/{card['id']}", json=body, headers=headers)
        elif roll < 0.9:
            column = rnd.choice(columns)
            after = rnd.choice([None, *[c["id"] for c in column["cards"] if c["id"] != card["id"]]])
            body = {"column_id": column["id"], "after": after}
            response = await http.post(f"/api/cards/{card['id']}/move", json=body, headers=headers)
        else:
            response = await http.post(f"/api/cards/{card['id']}/archive", json={}, headers=headers)
    await response.read()
    return response.status


async def test_snapshot_mid_way_plus_later_events_equals_the_final_board(
    make_client: Any, client: Client, board: Board
) -> None:
    """Three writers on two instances; a reader snapshots on one, subscribes with ``since`` on the other."""
    other = await make_client()
    await add_column(client, board, "Todo")
    made = 0
    midway: dict[str, Any] = {}
    received: list[dict[str, Any]] = []
    halfway = asyncio.Event()
    writers_done = asyncio.Event()

    async def writer(number: int) -> None:
        nonlocal made
        http = (client, other)[number % 2]
        account = (board.owner, board.editor, board.owner)[number]
        rnd = random.Random(100 + number)
        view = await snapshot(http, board, account)
        while made < CHANGES:
            status = await _change(http, board, account, rnd, view)
            assert status in (200, 201, 409), status
            if status != 409:
                made += 1
                if made == CHANGES // 2:
                    halfway.set()
            if rnd.random() < 0.3 or status == 409:
                view = await snapshot(http, board, account)

    async def reader() -> None:
        await halfway.wait()
        midway.update(await snapshot(other, board, board.viewer))
        async with client.ws_connect("/ws", headers=board.viewer.headers) as ws:
            channel = f"board:{board.id}"
            await ws.send_json({"type": "subscribe", "ref": "r", "channel": channel, "since": midway["seq"]})
            subscribed = await ws.receive_json(timeout=5)
            while subscribed["type"] != "subscribed":
                subscribed = await ws.receive_json(timeout=5)
            assert subscribed["recovered"] is True
            await writers_done.wait()
            final_seq = (await snapshot(client, board))["seq"]
            while not received or received[-1]["seq"] < final_seq:
                frame = await ws.receive_json(timeout=10)
                if frame["type"] == "event":
                    received.append(frame)

    async def writers() -> None:
        await asyncio.gather(*(writer(n) for n in range(WRITERS)))
        writers_done.set()

    await asyncio.gather(writers(), reader())
    assert 0 < midway["seq"] < made

    rebuilt = dict(midway)
    for frame in received:
        apply_event(rebuilt, frame["event"], frame["data"])
    final = await snapshot(client, board)
    assert without_volatile(rebuilt) == without_volatile(final)
    assert [f["seq"] for f in received] == list(range(midway["seq"] + 1, final["seq"] + 1))
