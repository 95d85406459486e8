"""The demo board of ``dejima dev``: filled once, however often the seed runs."""

from __future__ import annotations

from hub import keys
from hub.boards.demo import COLUMNS, seed_demo_board
from hub.seed import _seed
from tests.boards.conftest import Board, Client, snapshot


async def test_seeding_twice_fills_the_board_once(client: Client, board: Board) -> None:
    services = client.app[keys.SERVICES]
    parts = {
        "users": services.identity.users,
        "columns": services.boards.columns,
        "cards": services.boards.cards,
    }
    assert not await seed_demo_board(**parts, board_id=board.id, owner_email="nobody@dejima.test")
    for _ in range(2):
        assert await seed_demo_board(**parts, board_id=board.id, owner_email=board.owner.email)
    snap = await snapshot(client, board)
    assert [(c["title"], [card["title"] for card in c["cards"]]) for c in snap["columns"]] == list(
        COLUMNS.items()
    )
    assert snap["seq"] == len(COLUMNS) + sum(len(cards) for cards in COLUMNS.values())


async def test_the_demo_seed_fills_the_dx_lab_board(client: Client) -> None:
    services = client.app[keys.SERVICES]
    await _seed(services)
    await _seed(services)
    projects = await services.projects.store.projects.find({"title": "磐梯町 DX ラボ"}).to_list()
    assert len(projects) == 1
    columns = await services.db["board_columns"].count_documents({"board_id": projects[0]["board_id"]})
    assert columns == len(COLUMNS)
