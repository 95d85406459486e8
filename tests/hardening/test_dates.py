"""Dates and times outside the years 2000–2100 are 422 wherever they are accepted, query strings too
(they used to overflow the date arithmetic into a 500)."""

from __future__ import annotations

import pytest

from hub import keys
from tests.boards.conftest import Board, add_column
from tests.conftest import UserFactory
from tests.hardening.conftest import Client, error_of


@pytest.mark.parametrize(
    "query",
    [
        "stats?from=0001-01-01",
        "stats?from=2026-01-01&to=9999-12-31",
        "checkins?from=9999-12-31",
        "checkins?from=0001-01-01",
        "checkins.csv?from=0001-01-01",
        "checkins.csv?from=1999-12-31&to=2000-01-01",
    ],
)
async def test_far_dates_in_queries_are_422(client: Client, person: UserFactory, query: str) -> None:
    member = await person("member")
    error = await error_of(await client.get(f"/api/hubs/bandai/{query}", headers=member.headers), 422)
    assert error["code"] == "invalid_request"
    assert "2000" in error["details"]["fields"][0]["message"]
    # The edges themselves are fine.
    for query in ("stats?from=2000-01-01&to=2000-12-31", "checkins.csv?from=2100-01-01&to=2100-12-31"):
        response = await client.get(f"/api/hubs/bandai/{query}", headers=member.headers)
        assert response.status == 200, (query, await response.text())


async def test_far_publication_times_are_422(client: Client, person: UserFactory) -> None:
    author = await person("member")
    notice = {"title": "臨時休館", "body": "本日は臨時休館です。", "audience": {"all": True}}
    for field, value in (
        ("publish_at", "9999-12-31T23:59:59-14:00"),
        ("publish_at", "0001-01-01T00:00:00+14:00"),
        ("expires_at", "9999-12-31T23:59:59Z"),
    ):
        response = await client.post(
            "/api/announcements", json={**notice, field: value}, headers=author.headers
        )
        error = await error_of(response, 422)
        assert error["details"]["fields"][0]["path"] == field
    assert await client.app[keys.DB]["announcements"].count_documents({}) == 0


async def test_far_due_dates_are_422(client: Client, board: Board) -> None:
    column = await add_column(client, board, "ToDo")
    for due in ("0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"):
        body = {"column_id": column["id"], "title": "見積", "due": due}
        response = await client.post(f"/api/boards/{board.id}/cards", json=body, headers=board.owner.headers)
        assert (await error_of(response, 422))["details"]["fields"][0]["path"] == "due"
    body = {"column_id": column["id"], "title": "見積", "due": "2100-12-31"}
    response = await client.post(f"/api/boards/{board.id}/cards", json=body, headers=board.owner.headers)
    assert response.status == 201, await response.text()
