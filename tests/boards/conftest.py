"""Boards to test with: a project with a board, and people in each of its roles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub import keys
from tests.conftest import Account, UserFactory

Client = TestClient[Any, Any]


@dataclass(frozen=True)
class Board:
    id: str
    project_id: str
    owner: Account
    editor: Account
    viewer: Account


BoardFactory = Callable[..., Awaitable[Board]]


async def _create_project(client: Client, owner: Account, *, visibility: str, members: dict[str, str]) -> Any:
    body = {"title": "Board", "summary": "", "visibility": visibility}
    response = await client.post("/api/projects", json=body, headers=owner.headers)
    assert response.status == 201, await response.text()
    project = await response.json()
    for user_id, role in members.items():
        response = await client.post(
            f"/api/projects/{project['id']}/members",
            json={"user_id": user_id, "role": role},
            headers=owner.headers,
        )
        assert response.status == 201, await response.text()
    return project


@pytest.fixture
async def person(client: Client) -> UserFactory:
    """A signed-in user without a password (no argon2 hashing: board tests make many people)."""
    counter = iter(range(1, 1_000_000))

    async def factory(role: str = "member", **fields: Any) -> Account:
        number = next(counter)
        email = fields.pop("email", f"{role}{number}@dejima.test")
        name = fields.pop("name", f"{role.title()} {number}")
        services = client.app[keys.SERVICES]
        user = await services.identity.users.create(email=email, name=name, role=role, **fields)
        token = await services.identity.sessions.open(user.id)
        return Account(id=user.id, email=email, password="", token=token)

    return factory


@pytest.fixture
async def make_board(client: Client, person: UserFactory) -> BoardFactory:
    async def factory(visibility: str = "private", **extra_members: str) -> Board:
        owner = await person("member")
        editor = await person("partner")
        viewer = await person("member")
        members = {editor.id: "editor", viewer.id: "viewer", **extra_members}
        project = await _create_project(client, owner, visibility=visibility, members=members)
        return Board(
            id=project["board_id"], project_id=project["id"], owner=owner, editor=editor, viewer=viewer
        )

    return factory


@pytest.fixture
async def board(make_board: BoardFactory) -> Board:
    return await make_board()


async def post(
    client: Client, path: str, account: Account, body: Any = None, *, headers: dict[str, str] | None = None
) -> Any:
    response = await client.post(
        path, json=body if body is not None else {}, headers={**account.headers, **(headers or {})}
    )
    return response.status, await response.json() if response.status != 204 else None


async def add_column(client: Client, board: Board, title: str = "Todo", **fields: Any) -> dict[str, Any]:
    status, body = await post(
        client, f"/api/boards/{board.id}/columns", board.owner, {"title": title, **fields}
    )
    assert status == 201, body
    return dict(body)


async def add_card(
    client: Client, board: Board, column_id: str, title: str = "Card", **fields: Any
) -> dict[str, Any]:
    status, body = await post(
        client,
        f"/api/boards/{board.id}/cards",
        board.owner,
        {"column_id": column_id, "title": title, **fields},
    )
    assert status == 201, body
    return dict(body)


async def snapshot(client: Client, board: Board, account: Account | None = None) -> dict[str, Any]:
    response = await client.get(f"/api/boards/{board.id}", headers=(account or board.owner).headers)
    assert response.status == 200, await response.text()
    return dict(await response.json())


def titles(snap: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(column["title"], [card["title"] for card in column["cards"]]) for column in snap["columns"]]
