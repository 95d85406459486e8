"""Who may read and change a board: viewers and outsiders cannot change; partners only their projects."""

from __future__ import annotations

from typing import Any

import pytest

from tests.boards.conftest import Board, BoardFactory, Client, add_card, add_column, snapshot
from tests.conftest import Account, UserFactory


async def _attempts(client: Client, board: Board, column: dict[str, Any], card: dict[str, Any]) -> list[Any]:
    """Every change a person could try, as (method, path, body)."""
    return [
        ("POST", f"/api/boards/{board.id}/columns", {"title": "x"}),
        ("PATCH", f"/api/columns/{column['id']}", {"version": 1, "title": "x"}),
        ("POST", f"/api/columns/{column['id']}/move", {"after": None}),
        ("DELETE", f"/api/columns/{column['id']}", None),
        ("POST", f"/api/boards/{board.id}/cards", {"column_id": column["id"], "title": "x"}),
        ("PATCH", f"/api/cards/{card['id']}", {"version": 1, "title": "x"}),
        ("POST", f"/api/cards/{card['id']}/move", {"column_id": column["id"], "after": None}),
        ("POST", f"/api/cards/{card['id']}/archive", {}),
        ("POST", f"/api/cards/{card['id']}/restore", {}),
        ("POST", f"/api/cards/{card['id']}/comments", {"body": "hi"}),
        ("POST", f"/api/cards/{card['id']}/checklist", {"text": "x"}),
        ("PATCH", f"/api/cards/{card['id']}", {"version": 1, "due_done": True}),
    ]


async def _statuses(client: Client, account: Account | None, attempts: list[Any]) -> set[int]:
    statuses = set()
    for method, path, body in attempts:
        headers = account.headers if account else {}
        response = await client.request(method, path, json=body, headers=headers)
        statuses.add(response.status)
    return statuses


async def _reads(client: Client, account: Account, board: Board, card: dict[str, Any]) -> set[int]:
    paths = [
        f"/api/boards/{board.id}",
        f"/api/boards/{board.id}/archived",
        f"/api/cards/{card['id']}",
        f"/api/cards/{card['id']}/comments",
        f"/api/cards/{card['id']}/history",
    ]
    return {(await client.get(path, headers=account.headers)).status for path in paths}


@pytest.mark.parametrize(
    ("visibility", "role", "member_role", "reads", "changes"),
    [
        ("private", "member", "viewer", 200, 403),
        ("private", "member", None, 404, 404),
        ("private", "partner", None, 404, 404),
        ("internal", "member", None, 200, 403),
        ("internal", "partner", None, 404, 404),
        ("public", "partner", None, 200, 403),
        ("public", "kiosk", None, 200, 403),
    ],
)
async def test_who_cannot_change(
    client: Client,
    make_board: BoardFactory,
    person: UserFactory,
    visibility: str,
    role: str,
    member_role: str | None,
    reads: int,
    changes: int,
) -> None:
    caller = await person(role, hub_id="bandai" if role == "kiosk" else None)
    extra = {caller.id: member_role} if member_role else {}
    board = await make_board(visibility, **extra)
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    before = await snapshot(client, board)
    assert await _reads(client, caller, board, card) == {reads}
    assert await _statuses(client, caller, await _attempts(client, board, column, card)) == {changes}
    assert await snapshot(client, board) == before


async def test_partners_change_only_the_boards_of_their_projects(
    client: Client, make_board: BoardFactory
) -> None:
    mine = await make_board("private")
    theirs = await make_board("public")
    column = await add_column(client, mine)
    response = await client.post(
        f"/api/boards/{mine.id}/cards",
        json={"column_id": column["id"], "title": "ok"},
        headers=mine.editor.headers,
    )
    assert response.status == 201
    other_column = await add_column(client, theirs)
    response = await client.post(
        f"/api/boards/{theirs.id}/cards",
        json={"column_id": other_column["id"], "title": "no"},
        headers=mine.editor.headers,
    )
    assert response.status == 403
    assert (await client.get(f"/api/boards/{theirs.id}", headers=mine.editor.headers)).status == 200


async def test_admins_change_any_board_and_strangers_are_401(
    client: Client, board: Board, person: UserFactory
) -> None:
    admin = await person("admin")
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    response = await client.patch(
        f"/api/cards/{card['id']}", json={"version": 1, "title": "ok"}, headers=admin.headers
    )
    assert response.status == 200
    assert await _statuses(client, None, await _attempts(client, board, column, card)) == {401}
    assert (await client.get(f"/api/boards/{board.id}")).status == 401


async def test_a_column_of_one_board_cannot_be_used_on_another(
    client: Client, make_board: BoardFactory
) -> None:
    first = await make_board()
    second = await make_board()
    column = await add_column(client, first)
    response = await client.post(
        f"/api/boards/{second.id}/cards",
        json={"column_id": column["id"], "title": "x"},
        headers=second.owner.headers,
    )
    assert response.status == 404
    card = await add_card(client, first, column["id"])
    second_column = await add_column(client, second)
    response = await client.post(
        f"/api/cards/{card['id']}/move",
        json={"column_id": second_column["id"], "after": None},
        headers=first.owner.headers,
    )
    assert response.status == 404
