"""A board holds at most 5,000 cards that are not archived and 100 columns: one more is 409
``conflict`` with ``details.limit``; restoring an archived card counts too. A description holds at
most 20,000 characters; a comment mentions at most 50 people. The snapshot of a full board is
still the board, exactly as at its seq."""

from __future__ import annotations

from typing import Any

from hub import keys
from hub.boards import positions
from hub.limits import MAX_CARDS_PER_BOARD, MAX_COLUMNS_PER_BOARD, MAX_MENTIONS_PER_COMMENT
from hub.services import build_services
from hub.settings import Settings
from schemas.boards import CardCreate
from tests.boards.conftest import Board, BoardFactory, add_card, add_column, snapshot
from tests.conftest import UserFactory
from tests.hardening.conftest import Client, error_of

NOW = "2026-11-27T05:00:00.000Z"


async def _fill(client: Client, board: Board, column_id: str, count: int, *, archived: bool = False) -> None:
    """Cards stored as the event log stores them, without 5,000 requests (the limit is on the state)."""
    keys_in_order = positions.spread(count)
    docs = [
        {
            "_id": f"filler-{column_id}-{archived}-{n:05d}",
            "board_id": board.id,
            "column_id": column_id,
            "title": f"カード {n}",
            "description": "",
            "assignees": [],
            "labels": [],
            "due": None,
            "position": keys_in_order[n],
            "version": 1,
            "archived": archived,
            "created_at": NOW,
            "updated_at": NOW,
            "placed_at": NOW,
            "_seq": 1,
            "_deleted": False,
        }
        for n in range(count)
    ]
    await client.app[keys.DB]["cards"].insert_many(docs)


async def test_one_card_more_than_5000_is_409(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    # A description holds 20,000 characters (this part held before the board limit came).
    body: dict[str, Any] = {"column_id": column["id"], "title": "長文", "description": "あ" * 20_001}
    response = await client.post(f"/api/boards/{board.id}/cards", json=body, headers=board.owner.headers)
    assert (await error_of(response, 422))["details"]["fields"][0]["path"] == "description"
    await _fill(client, board, column["id"], MAX_CARDS_PER_BOARD - 1)
    await _fill(client, board, column["id"], 10, archived=True)  # archived ones do not count
    last = await add_card(client, board, column["id"], "5,000 枚目", description="あ" * 20_000)
    body = {"column_id": column["id"], "title": "5,001 枚目"}
    response = await client.post(f"/api/boards/{board.id}/cards", json=body, headers=board.owner.headers)
    error = await error_of(response, 409)
    assert error["code"] == "conflict" and error["details"] == {"limit": "cards_per_board"}

    # Archiving one makes room; restoring it while the board is full again does not.
    archive = await client.post(f"/api/cards/{last['id']}/archive", json={}, headers=board.owner.headers)
    assert archive.status == 200, await archive.text()
    another = await add_card(client, board, column["id"], "入れ替え")
    restore = await client.post(f"/api/cards/{last['id']}/restore", json={}, headers=board.owner.headers)
    assert (await error_of(restore, 409))["details"] == {"limit": "cards_per_board"}
    snap = await snapshot(client, board)
    [shown] = snap["columns"]
    assert len(shown["cards"]) == MAX_CARDS_PER_BOARD
    assert another["id"] in {card["id"] for card in shown["cards"]}
    assert last["id"] not in {card["id"] for card in shown["cards"]}


async def test_the_card_limit_holds_when_another_instance_adds_cards_meanwhile(
    client: Client, board: Board, settings: Settings
) -> None:
    """An instance remembers the open cards it counted at one seq (hub/boards/store.py); a card added
    by another instance in between must still count."""
    column = await add_column(client, board)
    await _fill(client, board, column["id"], MAX_CARDS_PER_BOARD - 2)
    await add_card(client, board, column["id"], "ここで 4,999 枚目")
    here = client.app[keys.SERVICES]
    there = build_services(settings=settings, db=here.db, redis=here.redis)
    owner = await there.identity.sessions.authenticate(board.owner.token)
    assert owner is not None
    body = CardCreate(column_id=column["id"], title="別のインスタンスで 5,000 枚目")
    await there.boards.cards.create_card(owner, board.id, body, idempotency_key=None)
    response = await client.post(
        f"/api/boards/{board.id}/cards",
        json={"column_id": column["id"], "title": "5,001 枚目"},
        headers=board.owner.headers,
    )
    assert (await error_of(response, 409))["details"] == {"limit": "cards_per_board"}


async def test_one_column_more_than_100_is_409(client: Client, board: Board) -> None:
    for n in range(MAX_COLUMNS_PER_BOARD):
        await add_column(client, board, f"列 {n}")
    response = await client.post(
        f"/api/boards/{board.id}/columns", json={"title": "101"}, headers=board.owner.headers
    )
    assert (await error_of(response, 409))["details"] == {"limit": "columns_per_board"}
    snap = await snapshot(client, board)
    assert [column["title"] for column in snap["columns"]] == [f"列 {n}" for n in range(100)]


async def test_a_comment_mentions_at_most_50_people(
    client: Client, make_board: BoardFactory, person: UserFactory
) -> None:
    board = await make_board("internal")
    for n in range(MAX_MENTIONS_PER_COMMENT + 1):
        await person("member", email=f"mention{n:02d}@dejima.test")
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    everyone = " ".join(f"@mention{n:02d}" for n in range(MAX_MENTIONS_PER_COMMENT + 1))
    url = f"/api/cards/{card['id']}/comments"
    response = await client.post(url, json={"body": everyone}, headers=board.owner.headers)
    assert (await error_of(response, 422))["details"]["fields"][0]["path"] == "body"
    fifty = " ".join(f"@mention{n:02d}" for n in range(MAX_MENTIONS_PER_COMMENT))
    response = await client.post(url, json={"body": fifty}, headers=board.owner.headers)
    assert response.status == 201, await response.text()
    assert len((await response.json())["mentions"]) == MAX_MENTIONS_PER_COMMENT
