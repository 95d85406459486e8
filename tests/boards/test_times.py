"""Board times are stored as datetimes, like comments and history; cards and columns written before
(as RFC 3339 strings) are turned into datetimes at start, once, with nothing else about them changed."""

from __future__ import annotations

from datetime import datetime

from hub import keys
from hub.boards.model import migrate_times
from tests.boards.conftest import Board, Client, add_card, add_column, snapshot

_TIMES = ("created_at", "updated_at", "placed_at")


async def test_new_cards_and_columns_store_datetimes(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    db = client.app[keys.DB]
    stored_card = await db["cards"].find_one({"_id": card["id"]})
    stored_column = await db["board_columns"].find_one({"_id": column["id"]})
    assert stored_card is not None and stored_column is not None
    assert all(isinstance(stored_card[f], datetime) for f in _TIMES), stored_card
    assert all(isinstance(stored_column[f], datetime) for f in _TIMES), stored_column


async def test_string_times_of_older_data_become_datetimes_at_start(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    first = await add_card(client, board, column["id"], "first")
    await add_card(client, board, column["id"], "second", after=first["id"])
    db = client.app[keys.DB]
    # As an older version stored them: RFC 3339 strings at milliseconds.
    for name in ("cards", "board_columns"):
        async for doc in db[name].find({"board_id": board.id}):
            old = {
                f: doc[f].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
                for f in _TIMES
                if isinstance(doc[f], datetime)
            }
            await db[name].replace_one({"_id": doc["_id"]}, {**doc, **old})
    await db["migrations"].delete_many({})
    before = await snapshot(client, board)

    services = client.app[keys.SERVICES]
    await services.ensure_indexes()  # what every start runs

    for name in ("cards", "board_columns"):
        async for doc in db[name].find({"board_id": board.id}):
            assert all(isinstance(doc[f], datetime) for f in _TIMES), doc
    assert await snapshot(client, board) == before  # nothing a reader sees has changed
    await db["migrations"].delete_many({})
    assert await migrate_times(db) == 0  # a second start finds nothing to change
    moved = await client.post(
        f"/api/cards/{first['id']}/move",
        json={"column_id": column["id"], "after": None},
        headers=board.owner.headers,
    )
    assert moved.status == 200
