"""Checklists on cards: add, edit, tick, move and delete items; every change one ``card.updated``
event with the whole card, the same for subscribers on either instance."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import ClientWebSocketResponse

from tests.boards.conftest import Board, Client, add_card, add_column, post


async def _subscribe(ws: ClientWebSocketResponse, board: Board) -> None:
    await ws.send_json({"type": "subscribe", "ref": "1", "channel": f"board:{board.id}"})
    while (await ws.receive_json(timeout=5)).get("ref") != "1":
        pass


async def _events(ws: ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while len(events) < count:
        frame = await ws.receive_json(timeout=5)
        if frame["type"] == "event":
            events.append(frame)
    return events


def _list(card: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(item["text"], item["done"]) for item in card["checklist"]]


async def _patch(client: Client, board: Board, item_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.patch(f"/api/checklist-items/{item_id}", json=body, headers=board.editor.headers)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def test_checklist_changes_on_two_instances_reach_subscribers_of_both_alike(
    make_client: Any, client: Client, board: Board
) -> None:
    other = await make_client()
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"], "Paperless")
    path = f"/api/cards/{card['id']}/checklist"
    async with (
        client.ws_connect("/ws", headers=board.viewer.headers) as here,
        other.ws_connect("/ws", headers=board.owner.headers) as there,
    ):
        await _subscribe(here, board)
        await _subscribe(there, board)
        # At the end (absent after), at the top (null), right after an item; from either instance.
        status, scan = await post(client, path, board.editor, {"text": "Scan forms"})
        assert status == 201 and (scan["text"], scan["done"]) == ("Scan forms", False)
        status, order = await post(other, path, board.editor, {"text": "Order scanner", "after": None})
        assert status == 201
        status, shred = await post(client, path, board.owner, {"text": "Shred paper"})
        status, train = await post(other, path, board.editor, {"text": "Train staff", "after": scan["id"]})
        assert status == 201
        ticked = await _patch(other, board, order["id"], {"done": True})
        assert ticked["done"] is True
        await _patch(client, board, shred["id"], {"text": "Shred old paper", "after": None})
        response = await other.delete(f"/api/checklist-items/{train['id']}", headers=board.editor.headers)
        assert response.status == 204
        events_here, events_there = await _events(here, 7), await _events(there, 7)
    assert [event["data"] for event in events_here] == [event["data"] for event in events_there]
    assert {event["event"] for event in events_here} == {"card.updated"}
    last = events_here[-1]["data"]
    assert _list(last) == [("Shred old paper", False), ("Order scanner", True), ("Scan forms", False)]
    for instance in (client, other):
        response = await instance.get(f"/api/cards/{card['id']}", headers=board.viewer.headers)
        assert (await response.json())["checklist"] == last["checklist"]
    positions = [item["position"] for item in last["checklist"]]
    assert positions == sorted(positions)


async def test_checklist_rules(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    path = f"/api/cards/{card['id']}/checklist"
    assert (await post(client, path, board.viewer, {"text": "x"}))[0] == 403
    assert (await post(client, path, board.editor, {"text": ""}))[0] == 422
    assert (await post(client, path, board.editor, {"text": "x", "after": "nope"}))[0] == 422
    status, item = await post(client, path, board.editor, {"text": "first"})
    response = await client.patch(
        f"/api/checklist-items/{item['id']}", json={"done": True}, headers=board.viewer.headers
    )
    assert response.status == 403
    response = await client.patch(
        f"/api/checklist-items/{item['id']}", json={"done": None}, headers=board.editor.headers
    )
    assert response.status == 422
    response = await client.patch(
        "/api/checklist-items/nope", json={"done": True}, headers=board.editor.headers
    )
    assert response.status == 404
    # Concurrent appends (writers take turns on the board): the list fills to exactly 100.
    for batch in range(0, 99, 33):
        added = await asyncio.gather(
            *(post(client, path, board.editor, {"text": f"item {n}"}) for n in range(batch, batch + 33))
        )
        assert {status for status, _ in added} == {201}
    status, body = await post(client, path, board.editor, {"text": "one too many"})
    assert status == 409 and body["error"]["details"]["max"] == 100
    response = await client.get(f"/api/cards/{card['id']}", headers=board.viewer.headers)
    positions = [item["position"] for item in (await response.json())["checklist"]]
    assert len(positions) == 100 and positions == sorted(set(positions))
    # Archived cards keep their checklist but take no changes.
    assert (await post(client, f"/api/cards/{card['id']}/archive", board.owner))[0] == 200
    response = await client.delete(f"/api/checklist-items/{item['id']}", headers=board.editor.headers)
    assert response.status == 409


async def test_due_done_ticks_a_due_date_off(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"], due="2026-12-01")
    assert card["due_done"] is False
    response = await client.patch(
        f"/api/cards/{card['id']}", json={"version": 1, "due_done": True}, headers=board.editor.headers
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["due_done"] is True
    response = await client.get(f"/api/cards/{card['id']}/history", headers=board.viewer.headers)
    assert (await response.json())[-1]["changes"]["due_done"] == {"from": False, "to": True}
