"""Concurrent edits: each refused change answers the contract's error and changes nothing."""

from __future__ import annotations

from typing import Any

from tests.boards.conftest import Board, Client, add_card, add_column, post, snapshot


async def _unchanged(client: Client, board: Board, before: dict[str, Any]) -> None:
    assert await snapshot(client, board) == before


async def test_stale_version_answers_409_with_current(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"], "Plan")
    first = await client.patch(
        f"/api/cards/{card['id']}", json={"version": 1, "title": "Plan A"}, headers=board.owner.headers
    )
    assert first.status == 200
    before = await snapshot(client, board)
    stale = await client.patch(
        f"/api/cards/{card['id']}",
        json={"version": 1, "description": "details"},
        headers=board.editor.headers,
    )
    assert stale.status == 409
    body = await stale.json()
    assert body["error"]["code"] == "conflict"
    assert body["current"]["version"] == 2 and body["current"]["title"] == "Plan A"
    await _unchanged(client, board, before)
    # Re-reading and re-applying the other field succeeds: both edits are kept.
    retry = await client.patch(
        f"/api/cards/{card['id']}",
        json={"version": body["current"]["version"], "description": "details"},
        headers=board.editor.headers,
    )
    merged = await retry.json()
    assert (merged["title"], merged["description"], merged["version"]) == ("Plan A", "details", 3)


async def test_stale_column_version_answers_409(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    ok = await client.patch(
        f"/api/columns/{column['id']}", json={"version": 1, "title": "A"}, headers=board.owner.headers
    )
    assert ok.status == 200 and (await ok.json())["version"] == 2
    before = await snapshot(client, board)
    stale = await client.patch(
        f"/api/columns/{column['id']}", json={"version": 1, "title": "B"}, headers=board.owner.headers
    )
    assert stale.status == 409 and (await stale.json())["current"]["title"] == "A"
    await _unchanged(client, board, before)


async def test_move_after_a_card_that_left_the_column_is_409(client: Client, board: Board) -> None:
    todo = await add_column(client, board, "Todo")
    done = await add_column(client, board, "Done")
    anchor = await add_card(client, board, todo["id"], "anchor")
    mover = await add_card(client, board, done["id"], "mover")
    await post(
        client, f"/api/cards/{anchor['id']}/move", board.owner, {"column_id": done["id"], "after": None}
    )
    before = await snapshot(client, board)
    status, body = await post(
        client,
        f"/api/cards/{mover['id']}/move",
        board.editor,
        {"column_id": todo["id"], "after": anchor["id"]},
    )
    assert status == 409 and body["error"]["code"] == "conflict"
    await _unchanged(client, board, before)
    # Creating a card after it is refused the same way.
    status, _ = await post(
        client,
        f"/api/boards/{board.id}/cards",
        board.owner,
        {"column_id": todo["id"], "title": "x", "after": anchor["id"]},
    )
    assert status == 409
    await _unchanged(client, board, before)


async def test_archived_card_cannot_be_edited_or_moved(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"], "old")
    status, archived = await post(client, f"/api/cards/{card['id']}/archive", board.owner)
    assert status == 200 and archived["archived"] is True and archived["version"] == 2
    before = await snapshot(client, board)
    assert before["columns"][0]["cards"] == []
    edit = await client.patch(
        f"/api/cards/{card['id']}", json={"version": 2, "title": "new"}, headers=board.owner.headers
    )
    assert edit.status == 409 and (await edit.json())["current"]["archived"] is True
    status, _ = await post(
        client, f"/api/cards/{card['id']}/move", board.owner, {"column_id": column["id"], "after": None}
    )
    assert status == 409
    status, _ = await post(client, f"/api/cards/{card['id']}/archive", board.owner)
    assert status == 409
    await _unchanged(client, board, before)
    status, restored = await post(client, f"/api/cards/{card['id']}/restore", board.owner)
    assert status == 200 and restored["archived"] is False and restored["position"] == card["position"]
    assert [c["id"] for c in (await snapshot(client, board))["columns"][0]["cards"]] == [card["id"]]


async def test_column_with_cards_cannot_be_deleted(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    before = await snapshot(client, board)
    response = await client.delete(f"/api/columns/{column['id']}", headers=board.owner.headers)
    assert response.status == 409 and (await response.json())["error"]["code"] == "conflict"
    await _unchanged(client, board, before)
    await post(client, f"/api/cards/{card['id']}/archive", board.owner)
    response = await client.delete(f"/api/columns/{column['id']}", headers=board.owner.headers)
    assert response.status == 204
    snap = await snapshot(client, board)
    assert snap["columns"] == [] and snap["seq"] == before["seq"] + 2
    events = await client.app[_services_key()].events.since(f"board:{board.id}", 0)
    assert events[-1].event == "column.deleted" and events[-1].data["id"] == column["id"]
    again = await client.delete(f"/api/columns/{column['id']}", headers=board.owner.headers)
    assert again.status == 404
    # The archived card comes back into the first column there is.
    other = await add_column(client, board, "Other")
    status, restored = await post(client, f"/api/cards/{card['id']}/restore", board.owner)
    assert status == 200 and restored["column_id"] == other["id"]


def _services_key() -> Any:
    from hub import keys

    return keys.SERVICES


async def test_stale_version_on_move_is_checked_when_given(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    status, body = await post(
        client,
        f"/api/cards/{card['id']}/move",
        board.owner,
        {"column_id": column["id"], "after": None, "version": 5},
    )
    assert status == 409 and body["current"]["version"] == 1
