"""The calendar feed: RFC 5545 that icalendar reads, all-day events for dates, UIDs stable across
edits, only what its owner may see, and a renewed address that leaves the old one 404."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import icalendar

from tests.boards.conftest import BoardFactory, Client, add_card, add_column, post
from tests.conftest import Account, UserFactory


async def _renew(client: Client, who: Account) -> str:
    response = await client.post("/api/me/calendar", headers=who.headers)
    assert response.status == 200, await response.text()
    url: str = (await response.json())["url"]
    return urlsplit(url).path


async def _events(client: Client, path: str) -> dict[str, Any]:
    response = await client.get(path)  # no sign-in
    assert response.status == 200, await response.text()
    assert response.content_type == "text/calendar"
    parsed = icalendar.Calendar.from_ical(await response.read())
    assert parsed["VERSION"] == "2.0"
    return {str(event["SUMMARY"]): event for event in parsed.walk("VEVENT")}


async def test_the_feed_has_due_cards_one_assigned_to_or_follows_and_parses(
    client: Client, make_board: BoardFactory, person: UserFactory
) -> None:
    board = await make_board()
    other = await make_board()  # the editor is not in its project
    todo = await add_column(client, board)
    await add_card(
        client, board, todo["id"], "防災訓練, 準備; 確認", due="2026-12-01", assignees=[board.editor.id]
    )
    timed = await add_card(client, board, todo["id"], "会議", due="2026-12-02T10:00:00+09:00")
    await add_card(client, board, todo["id"], "No due", assignees=[board.editor.id])
    await add_card(client, board, todo["id"], "Not mine", due="2026-12-03")
    gone = await add_card(
        client, board, todo["id"], "Archived", due="2026-12-04", assignees=[board.editor.id]
    )
    await post(client, f"/api/cards/{gone['id']}/archive", board.owner)
    await client.put(f"/api/cards/{timed['id']}/follow", headers=board.editor.headers)
    elsewhere = await add_column(client, other)
    await add_card(client, other, elsewhere["id"], "Other board", due="2026-12-05")

    path = await _renew(client, board.editor)
    events = await _events(client, path)
    assert sorted(events) == ["会議", "防災訓練, 準備; 確認"]
    all_day = events["防災訓練, 準備; 確認"]
    assert all_day["DTSTART"].dt == date(2026, 12, 1) and all_day["DTEND"].dt == date(2026, 12, 2)
    assert events["会議"]["DTSTART"].dt == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    uid = str(events["会議"]["UID"])

    # An edit keeps the UID (calendars update the event rather than add one).
    response = await client.patch(
        f"/api/cards/{timed['id']}",
        json={"version": timed["version"], "title": "会議（変更）", "due": "2026-12-02T11:00:00+09:00"},
        headers=board.owner.headers,
    )
    assert response.status == 200
    events = await _events(client, path)
    assert str(events["会議（変更）"]["UID"]) == uid
    assert events["会議（変更）"]["DTSTART"].dt == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)

    # Following the board brings its other due cards; the owner's feed is theirs alone.
    await client.put(f"/api/boards/{board.id}/follow", headers=board.editor.headers)
    assert sorted(await _events(client, path)) == ["Not mine", "会議（変更）", "防災訓練, 準備; 確認"]
    owner_path = await _renew(client, board.owner)
    assert owner_path != path
    assert "Other board" not in await _events(client, owner_path)


async def test_renewing_makes_the_old_address_404_and_leaving_the_project_empties_it(
    client: Client, make_board: BoardFactory
) -> None:
    board = await make_board("private")
    todo = await add_column(client, board)
    await add_card(client, board, todo["id"], "Secret", due="2026-12-01", assignees=[board.viewer.id])
    old = await _renew(client, board.viewer)
    assert list(await _events(client, old)) == ["Secret"]
    new = await _renew(client, board.viewer)
    assert (await client.get(old)).status == 404
    assert (await client.get("/api/calendar/not-a-token.ics")).status == 404
    assert list(await _events(client, new)) == ["Secret"]
    assert (await client.post("/api/me/calendar")).status == 401

    response = await client.delete(
        f"/api/projects/{board.project_id}/members/{board.viewer.id}", headers=board.owner.headers
    )
    assert response.status in (200, 204)
    assert list(await _events(client, new)) == []
