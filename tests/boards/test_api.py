"""The board endpoints as a user sees them: snapshot shape, order, history, comments."""

from __future__ import annotations

from hub import keys
from tests.boards.conftest import Board, Client, add_card, add_column, post, snapshot, titles


async def test_a_new_board_is_empty_and_numbered_zero(client: Client, board: Board) -> None:
    snap = await snapshot(client, board)
    assert snap == {"id": board.id, "project_id": board.project_id, "title": "Board", "seq": 0, "columns": []}


async def test_columns_and_cards_appear_in_display_order(client: Client, board: Board) -> None:
    todo = await add_column(client, board, "Todo")
    done = await add_column(client, board, "Done")
    doing = await add_column(client, board, "Doing", after=todo["id"])
    await add_column(client, board, "Ideas", after=None)
    first = await add_card(client, board, todo["id"], "first")
    await add_card(client, board, todo["id"], "top")  # after absent: the top
    await add_card(client, board, todo["id"], "second", after=first["id"])
    await add_card(client, board, done["id"], "shipped")
    snap = await snapshot(client, board)
    assert titles(snap) == [
        ("Ideas", []),
        ("Todo", ["top", "first", "second"]),
        ("Doing", []),
        ("Done", ["shipped"]),
    ]
    assert snap["seq"] == 8
    card = snap["columns"][1]["cards"][1]
    assert set(card) >= {
        "id",
        "column_id",
        "title",
        "description",
        "assignees",
        "labels",
        "due",
        "position",
        "version",
        "created_at",
        "updated_at",
    }
    assert card["column_id"] == todo["id"] and card["version"] == 1 and card["created_at"].endswith("Z")
    assert doing["position"] > todo["position"]


async def test_patch_bumps_version_and_history_records_field_changes(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"], "Draft", description="<b>plain</b>")
    response = await client.patch(
        f"/api/cards/{card['id']}",
        json={"version": 1, "title": "Final", "labels": ["町役場"], "due": "2026-12-01"},
        headers=board.editor.headers,
    )
    assert response.status == 200, await response.text()
    patched = await response.json()
    assert patched["version"] == 2 and patched["title"] == "Final" and patched["due"] == "2026-12-01"
    assert patched["description"] == "<b>plain</b>"
    response = await client.get(f"/api/cards/{card['id']}/history", headers=board.viewer.headers)
    history = await response.json()
    assert [entry["event"] for entry in history] == ["card.created", "card.updated"]
    assert history[1]["changes"] == {
        "title": {"from": "Draft", "to": "Final"},
        "labels": {"from": [], "to": ["町役場"]},
        "due": {"from": None, "to": "2026-12-01"},
        "version": {"from": 1, "to": 2},
    }
    assert history[1]["actor"]["id"] == board.editor.id


async def test_idempotency_key_returns_the_first_card(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    body = {"column_id": column["id"], "title": "Once"}
    headers = {"Idempotency-Key": "k-1"}
    first = await post(client, f"/api/boards/{board.id}/cards", board.owner, body, headers=headers)
    again = await post(client, f"/api/boards/{board.id}/cards", board.owner, body, headers=headers)
    assert first[0] == again[0] == 201
    assert first[1]["id"] == again[1]["id"]
    assert titles(await snapshot(client, board)) == [("Todo", ["Once"])]


async def test_comments_with_mentions_notify_readers(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    status, comment = await post(
        client, f"/api/cards/{card['id']}/comments", board.editor, {"body": "見てください @member1 <script>"}
    )
    assert status == 201, comment
    assert comment["body"] == "見てください @member1 <script>"
    assert comment["mentions"] == [board.owner.id]
    response = await client.get(f"/api/cards/{card['id']}/comments", headers=board.viewer.headers)
    assert [c["id"] for c in await response.json()] == [comment["id"]]
    notes = await client.app[keys.DB]["notifications"].find({}).to_list()
    assert [(n["user_id"], n["kind"]) for n in notes] == [(board.owner.id, "card.mentioned")]
