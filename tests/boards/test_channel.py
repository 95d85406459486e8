"""The ``board:`` channel: readers follow it live from any instance; others cannot, and a removed
member stops receiving at once."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientWebSocketResponse

from tests.boards.conftest import Board, Client, add_card, add_column
from tests.conftest import Account, UserFactory


async def _frame(ws: ClientWebSocketResponse, kind: str, timeout_s: float = 5.0) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = await ws.receive_json(timeout=timeout_s)
        if frame["type"] == kind:
            return frame


async def _subscribe(ws: ClientWebSocketResponse, board: Board) -> dict[str, Any]:
    await ws.send_json({"type": "subscribe", "ref": "1", "channel": f"board:{board.id}"})
    while True:
        frame: dict[str, Any] = await ws.receive_json(timeout=5)
        if frame.get("ref") == "1":
            return frame


async def test_a_viewer_sees_changes_made_on_another_instance(
    make_client: Any, client: Client, board: Board
) -> None:
    other = await make_client()
    column = await add_column(client, board)
    async with other.ws_connect("/ws", headers=board.viewer.headers) as ws:
        subscribed = await _subscribe(ws, board)
        assert subscribed["type"] == "subscribed" and subscribed["seq"] == 1
        card = await add_card(client, board, column["id"], "live")
        event = await _frame(ws, "event")
        assert (event["event"], event["seq"], event["data"]) == ("card.created", 2, card)
        assert event["actor"]["id"] == board.owner.id


async def test_outsiders_cannot_follow_and_removed_members_stop_receiving(
    client: Client, board: Board, person: UserFactory
) -> None:
    outsider: Account = await person("member")
    async with client.ws_connect("/ws", headers=outsider.headers) as ws:
        refused = await _subscribe(ws, board)
        assert (refused["type"], refused["code"]) == ("error", "not_found")
    async with client.ws_connect("/ws", headers=board.viewer.headers) as ws:
        assert (await _subscribe(ws, board))["type"] == "subscribed"
        response = await client.delete(
            f"/api/projects/{board.project_id}/members/{board.viewer.id}", headers=board.owner.headers
        )
        assert response.status in (200, 204), await response.text()
        ended = await _frame(ws, "unsubscribed")
        assert ended["channel"] == f"board:{board.id}"
