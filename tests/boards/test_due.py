"""``due`` as a date or a date-time: given back as given, its moment resolved in DEJIMA_TIMEZONE."""

from __future__ import annotations

from datetime import UTC, datetime

from hub import keys
from tests.boards.conftest import Board, Client, add_card, add_column


async def _moment(client: Client, card_id: str) -> datetime:
    doc = await client.app[keys.DB]["cards"].find_one({"_id": card_id})
    value: datetime = doc["due_at"]
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def test_a_date_is_the_end_of_that_day_in_tokyo_and_a_date_time_is_kept_as_given(
    client: Client, board: Board
) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"], due="2026-12-01")
    assert card["due"] == "2026-12-01"
    assert await _moment(client, card["id"]) == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)

    for given, moment in (
        ("2026-12-01T17:30:00+09:00", datetime(2026, 12, 1, 8, 30, tzinfo=UTC)),
        ("2026-12-01T08:30:00Z", datetime(2026, 12, 1, 8, 30, tzinfo=UTC)),
        ("2026-12-01T17:30", datetime(2026, 12, 1, 8, 30, tzinfo=UTC)),  # no offset: Tokyo time
    ):
        response = await client.patch(
            f"/api/cards/{card['id']}",
            json={"version": card["version"], "due": given},
            headers=board.owner.headers,
        )
        assert response.status == 200, await response.text()
        card = await response.json()
        assert card["due"] == given
        assert (await (await client.get(f"/api/cards/{card['id']}", headers=board.owner.headers)).json())[
            "due"
        ] == given
        assert await _moment(client, card["id"]) == moment
    response = await client.patch(
        f"/api/cards/{card['id']}",
        json={"version": card["version"], "due": None},
        headers=board.owner.headers,
    )
    assert (await response.json())["due"] is None


async def test_a_due_that_is_neither_is_refused(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    for due in ("2026-13-01", "tomorrow", "2026-12-01 17:00", 20261201, "0001-01-01", "", "2026-12-01T25:00"):
        response = await client.post(
            f"/api/boards/{board.id}/cards",
            json={"column_id": column["id"], "title": "x", "due": due},
            headers=board.owner.headers,
        )
        assert response.status == 422, (due, await response.text())
        assert (await response.json())["error"]["details"]["fields"][0]["path"] == "due"
