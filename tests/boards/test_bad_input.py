"""Bad input on every board endpoint: the contract's 400 / 422 / 404, and nothing stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.boards.conftest import Board, Client, add_card, add_column, snapshot
from tests.conftest import UserFactory

LONG = "x" * 201


def _cases(board: Board, column: dict[str, Any], card: dict[str, Any]) -> list[tuple[str, str, Any]]:
    cards = f"/api/boards/{board.id}/cards"
    columns = f"/api/boards/{board.id}/columns"
    patch_card = f"/api/cards/{card['id']}"
    move_card = f"/api/cards/{card['id']}/move"
    col = column["id"]
    return [
        ("POST", columns, {}),
        ("POST", columns, {"title": ""}),
        ("POST", columns, {"title": "   "}),
        ("POST", columns, {"title": LONG}),
        ("POST", columns, {"title": "a\nb"}),
        ("POST", columns, {"title": "ok", "colour": "red"}),
        ("POST", columns, {"title": 5}),
        ("POST", columns, {"title": "ok", "after": "../etc"}),
        ("PATCH", f"/api/columns/{col}", {"title": "x"}),
        ("PATCH", f"/api/columns/{col}", {"version": "1", "title": "x"}),
        ("PATCH", f"/api/columns/{col}", {"version": 0, "title": "x"}),
        ("PATCH", f"/api/columns/{col}", {"version": 1, "title": None}),
        ("POST", f"/api/columns/{col}/move", {"after": col}),
        ("POST", f"/api/columns/{col}/move", {"after": 3}),
        ("POST", cards, {"title": "no column"}),
        ("POST", cards, {"column_id": col}),
        ("POST", cards, {"column_id": col, "title": "x", "due": "tomorrow"}),
        ("POST", cards, {"column_id": col, "title": "x", "due": "2026-02-30"}),
        ("POST", cards, {"column_id": col, "title": "x", "labels": ["a", "a"]}),
        ("POST", cards, {"column_id": col, "title": "x", "labels": [""]}),
        ("POST", cards, {"column_id": col, "title": "x", "labels": ["l"] * 21}),
        ("POST", cards, {"column_id": col, "title": "x", "assignees": "someone"}),
        ("POST", cards, {"column_id": col, "title": "x", "assignees": ["nobody-like-this"]}),
        ("POST", cards, {"column_id": col, "title": "x", "description": "x" * 20_001}),
        ("POST", cards, {"column_id": col, "title": "x", "description": "bell\x07"}),
        ("POST", cards, {"column_id": col, "title": "\ud800"}),
        ("POST", cards, [1, 2]),
        ("PATCH", patch_card, {"title": "no version"}),
        ("PATCH", patch_card, {"version": 1, "title": None}),
        ("PATCH", patch_card, {"version": 1, "assignees": None}),
        ("PATCH", patch_card, {"version": 1, "position": "0"}),
        ("PATCH", patch_card, {"version": True}),
        ("PATCH", patch_card, {"version": 1, "assignees": ["nobody-like-this"]}),
        ("POST", move_card, {"after": None}),
        ("POST", move_card, {"column_id": col, "after": card["id"]}),
        ("POST", move_card, {"column_id": col, "after": None, "position": "V"}),
        ("POST", f"/api/cards/{card['id']}/archive", {"reason": "x"}),
        ("POST", f"/api/cards/{card['id']}/comments", {}),
        ("POST", f"/api/cards/{card['id']}/comments", {"body": " \n "}),
        ("POST", f"/api/cards/{card['id']}/comments", {"body": "x" * 20_001}),
    ]


async def test_invalid_fields_answer_422_and_store_nothing(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    before = await snapshot(client, board)
    for method, path, body in _cases(board, column, card):
        response = await client.request(method, path, json=body, headers=board.owner.headers)
        payload = await response.json()
        assert response.status == 422, (method, path, body, payload)
        assert payload["error"]["code"] == "invalid_request", payload
        assert payload["error"]["details"]["fields"], payload
    assert await snapshot(client, board) == before


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("POST", "/api/boards/{board}/columns"),
        ("PATCH", "/api/columns/{column}"),
        ("POST", "/api/columns/{column}/move"),
        ("POST", "/api/boards/{board}/cards"),
        ("PATCH", "/api/cards/{card}"),
        ("POST", "/api/cards/{card}/move"),
        ("POST", "/api/cards/{card}/archive"),
        ("POST", "/api/cards/{card}/restore"),
        ("POST", "/api/cards/{card}/comments"),
    ],
)
async def test_malformed_json_answers_400(client: Client, board: Board, method: str, suffix: str) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    before = await snapshot(client, board)
    path = suffix.format(board=board.id, column=column["id"], card=card["id"])
    headers = {**board.owner.headers, "Content-Type": "application/json"}
    for raw in (b"{", b"\xff\xfe", b'{"title": "x",}'):
        response = await client.request(method, path, data=raw, headers=headers)
        assert response.status == 400, (path, raw, await response.text())
        assert (await response.json())["error"]["code"] == "invalid_request"
    assert await snapshot(client, board) == before


async def test_unknown_ids_answer_404(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    headers = board.owner.headers
    checks = [
        ("GET", "/api/boards/nope", None),
        ("POST", "/api/boards/nope/columns", {"title": "x"}),
        ("POST", "/api/boards/nope/cards", {"column_id": column["id"], "title": "x"}),
        ("POST", f"/api/boards/{board.id}/cards", {"column_id": "nope", "title": "x"}),
        ("POST", f"/api/boards/{board.id}/columns", {"title": "x", "after": "nope"}),
        ("PATCH", "/api/columns/nope", {"version": 1, "title": "x"}),
        ("POST", "/api/columns/nope/move", {"after": None}),
        ("DELETE", "/api/columns/nope", None),
        ("GET", "/api/cards/nope", None),
        ("PATCH", "/api/cards/nope", {"version": 1, "title": "x"}),
        ("POST", "/api/cards/nope/move", {"column_id": column["id"], "after": None}),
        ("POST", "/api/cards/nope/archive", {}),
        ("POST", "/api/cards/nope/restore", {}),
        ("POST", "/api/cards/nope/comments", {"body": "x"}),
        ("GET", "/api/cards/nope/comments", None),
        ("GET", "/api/cards/nope/history", None),
    ]
    for method, path, body in checks:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status == 404, (method, path, await response.text())
        assert (await response.json())["error"]["code"] == "not_found"


async def test_assignees_must_be_able_to_read_the_board(
    client: Client, board: Board, person: UserFactory
) -> None:
    column = await add_column(client, board)
    stranger = await person("partner")
    response = await client.post(
        f"/api/boards/{board.id}/cards",
        json={"column_id": column["id"], "title": "x", "assignees": [board.viewer.id, stranger.id]},
        headers=board.owner.headers,
    )
    body = await response.json()
    assert response.status == 422 and [f["path"] for f in body["error"]["details"]["fields"]] == [
        "assignees.1"
    ]


async def test_text_is_kept_exactly_as_given(client: Client, board: Board) -> None:
    column = await add_column(client, board, "<img src=x onerror=alert(1)>")
    title = "  <script>alert('x')</script> & 磐梯 🙂  "
    card = await add_card(client, board, column["id"], title, description="line 1\n\tline 2 <b>")
    snap = await snapshot(client, board)
    assert snap["columns"][0]["title"] == "<img src=x onerror=alert(1)>"
    stored = snap["columns"][0]["cards"][0]
    assert stored["title"] == title == card["title"]
    assert stored["description"] == "line 1\n\tline 2 <b>"
