"""A board out as a file (JSON, CSV) and a Trello board in (API.md, "Finding and reminding")."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from hub import keys
from tests.boards.conftest import Board, Client, add_card, add_column, post, snapshot
from tests.boards.replay import apply_event

FIXTURE = Path(__file__).parent / "fixtures" / "trello_export.json"


async def export(client: Client, board: Board, fmt: str) -> tuple[int, bytes, str]:
    response = await client.get(
        f"/api/boards/{board.id}/export", params={"format": fmt}, headers=board.viewer.headers
    )
    return response.status, await response.read(), response.headers.get("Content-Type", "")


async def test_json_export_holds_everything_archived_cards_and_comments_too(
    client: Client, board: Board
) -> None:
    column = await add_column(client, board, "やること")
    card = await add_card(client, board, column["id"], "防災訓練", labels=["要確認"], due="2026-12-01")
    gone = await add_card(client, board, column["id"], "取り下げ")
    assert (await post(client, f"/api/cards/{gone['id']}/archive", board.owner, {}))[0] == 200
    assert (await post(client, f"/api/cards/{card['id']}/comments", board.owner, {"body": "了解です"}))[
        0
    ] == 201
    status, body, kind = await export(client, board, "json")
    assert status == 200 and kind == "application/json"
    data = json.loads(body)
    assert data["board"] == {"id": board.id, "project_id": board.project_id, "title": "Board"}
    assert [c["title"] for c in data["columns"]] == ["やること"]
    cards = {c["title"]: c for c in data["cards"]}
    assert set(cards) == {"防災訓練", "取り下げ"} and cards["取り下げ"]["archived"] is True
    assert cards["防災訓練"]["labels"] == ["要確認"] and cards["防災訓練"]["due"] == "2026-12-01"
    assert [(c["card_id"], c["body"]) for c in data["comments"]] == [(card["id"], "了解です")]


async def test_csv_export_has_a_bom_a_row_per_card_and_no_formulas(client: Client, board: Board) -> None:
    column = await add_column(client, board, "=Todo")
    await add_card(client, board, column["id"], '=HYPERLINK("http://evil")', description="+1 計算")
    await add_card(client, board, column["id"], "@SUM(A1)", labels=["-x"])
    await add_card(client, board, column["id"], "普通の、カード")
    status, body, kind = await export(client, board, "csv")
    assert status == 200 and kind.startswith("text/csv")
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body[3:].decode("utf-8"))))
    assert len(rows) == 3
    by_title = {row["title"]: row for row in rows}
    assert set(by_title) == {'\'=HYPERLINK("http://evil")', "'@SUM(A1)", "普通の、カード"}
    assert by_title['\'=HYPERLINK("http://evil")']["description"] == "'+1 計算"
    assert by_title["'@SUM(A1)"]["labels"] == "'-x"
    assert all(row["column"] == "'=Todo" for row in rows)
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


async def _import(client: Client, board: Board, account: Any, body: Any, key: str | None = None) -> Any:
    headers = {**account.headers, "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    response = await client.post(
        f"/api/projects/{board.project_id}/import/trello", data=body, headers=headers
    )
    return response.status, await response.json()


async def test_a_trello_export_arrives_as_it_was(client: Client, board: Board) -> None:
    raw = FIXTURE.read_bytes()
    status, counts = await _import(client, board, board.owner, raw, key="move-1")
    assert status == 201, counts
    assert counts == {"columns": 3, "cards": 7, "checklist_items": 3, "comments": 3}

    snap = await snapshot(client, board)
    # Open lists in Trello's order (by pos, not by place in the file), open cards in order in each.
    assert [(c["title"], [card["title"] for card in c["cards"]]) for c in snap["columns"]] == [
        ("やること", ["チラシを作る", "地域防災訓練の会場を予約する"]),
        ("進行中", ['=HYPERLINK("http://evil") 見積もり', "Volunteer sign-up form"]),
        ("完了 Done", ["報告書を提出"]),
    ]
    exported = json.loads((await export(client, board, "json"))[1])
    cards = {card["title"]: card for card in exported["cards"]}
    drill = cards["地域防災訓練の会場を予約する"]
    assert drill["description"] == "公民館の大ホール。\n参加者は約８０名（ＡＥＤ講習あり）"
    assert drill["labels"] == ["要確認"]
    assert drill["due"] == "2026-12-05"  # 2026-12-04T15:00Z is the 5th in Tokyo
    assert [(item["text"], item["done"]) for item in drill["checklist"]] == [
        ("町内会に連絡", True),
        ("消火器を借りる", False),
    ]
    assert cards["チラシを作る"]["labels"] == ["広報", "green"]  # a label without a name: its colour
    assert cards["Volunteer sign-up form"]["due_done"] is True
    # Closed cards, and the cards of a closed list, arrive archived.
    assert cards["古い案（取り下げ）"]["archived"] is True and cards["去年の反省会"]["archived"] is True
    assert sum(not card["archived"] for card in exported["cards"]) == 5
    comments = [c["body"] for c in exported["comments"] if c["card_id"] == drill["id"]]
    assert comments == [
        "山田 花子 (2026-11-02 10:30, Trello)\n会場は１２月５日で仮押さえしました",
        "John Smith (2026-11-02 12:00, Trello)\nThanks! I'll bring the AED trainer.",
    ]

    # Search finds imported checklist items and comments (and never an archived card by default).
    for q, title in (
        ("消火器", "地域防災訓練の会場を予約する"),
        ("仮押さえ", "地域防災訓練の会場を予約する"),
    ):
        response = await client.get("/api/search", params={"q": q}, headers=board.viewer.headers)
        assert [item["card"]["title"] for item in (await response.json())["items"]] == [title]

    # Live subscribers and a reload agree: the board rebuilt from its events is the snapshot.
    events = await _events(client, board)
    rebuilt: dict[str, Any] = {"columns": []}
    for event in events:
        apply_event(rebuilt, event["event"], event["data"])
    assert rebuilt["columns"] == snap["columns"]

    # The same key again: nothing changes.
    status, again = await _import(client, board, board.owner, raw, key="move-1")
    assert status == 201 and again == counts
    assert (await snapshot(client, board))["seq"] == snap["seq"]

    # An imported checklist item is a checklist item like any other: it can be ticked.
    item = drill["checklist"][1]
    response = await client.patch(
        f"/api/checklist-items/{item['id']}", json={"done": True}, headers=board.owner.headers
    )
    assert response.status == 200, await response.text()


async def _events(client: Client, board: Board) -> list[dict[str, Any]]:
    services = client.app[keys.SERVICES]
    return [event.model_dump(mode="json") for event in await services.events.since(f"board:{board.id}", 0)]


async def test_rights_and_bad_requests(client: Client, board: Board, person: Any) -> None:
    """Export: readers only, known formats. Import: owners and admins only, a Trello file, ≤ 20 MiB."""
    stranger = await person("member")
    response = await client.get(f"/api/boards/{board.id}/export", headers=stranger.headers)
    assert response.status == 404
    response = await client.get(f"/api/boards/{board.id}/export?format=xlsx", headers=board.owner.headers)
    assert response.status == 422
    status, _ = await _import(client, board, board.editor, FIXTURE.read_bytes())
    assert status == 403
    status, _ = await _import(client, board, board.owner, b"{not json")
    assert status == 400
    status, body = await _import(client, board, board.owner, b'{"name": "no lists"}')
    assert status == 422, body
    status, body = await _import(client, board, board.owner, io.BytesIO(b" " * (20 * 1024 * 1024 + 1)))
    assert status == 413, body
