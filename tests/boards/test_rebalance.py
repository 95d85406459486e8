"""Keys that grow past the bound: the column is respaced in one event, order kept, board rebuildable."""

from __future__ import annotations

from hub import keys
from tests.boards.conftest import Board, Client, add_card, add_column, snapshot
from tests.boards.replay import apply_event, without_volatile


async def test_a_column_is_respaced_in_one_event_when_keys_grow_too_long(
    client: Client, board: Board
) -> None:
    services = client.app[keys.SERVICES]
    services.boards.store.placement.max_chars = 2  # reached after some sixty inserts at one spot
    column = await add_column(client, board)
    other = await add_column(client, board, "Other")
    first = await add_card(client, board, column["id"], "first")
    await add_card(client, board, column["id"], "last", after=first["id"])
    await add_card(client, board, other["id"], "elsewhere")
    start = await snapshot(client, board)
    expected = ["first", "last"]
    for number in range(120):
        await add_card(client, board, column["id"], f"n{number}", after=first["id"])
        expected.insert(1, f"n{number}")
    final = await snapshot(client, board)
    assert [card["title"] for card in final["columns"][0]["cards"]] == expected
    assert all(len(card["position"]) <= 2 for card in final["columns"][0]["cards"])
    events = await services.events.since(f"board:{board.id}", start["seq"])
    rebalances = [event for event in events if event.event == "column.rebalanced"]
    assert rebalances and all(event.data["id"] == column["id"] for event in rebalances)
    assert final["columns"][1] == start["columns"][1]  # another column is never touched
    rebuilt = dict(start)
    for event in events:
        apply_event(rebuilt, event.event, event.data)
    assert without_volatile(rebuilt) == without_volatile(final)
