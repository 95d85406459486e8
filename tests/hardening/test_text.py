"""Titles and names are one line: no control character (nor a bidirectional override). Bodies and
descriptions may hold ``\\n`` and ``\\t`` and no other control character. One rule for every text
field: announcements, cards, columns, comments, projects, users, organisations, hubs, webhooks."""

from __future__ import annotations

from typing import Any

from hub import keys
from tests.boards.conftest import Board, add_card, add_column
from tests.conftest import Account, UserFactory
from tests.hardening.conftest import Client, error_of, new_org

NOTICE: dict[str, Any] = {"title": "臨時休館", "body": "本日は臨時休館です。", "audience": {"all": True}}
ONE_LINE_BAD = ["臨時休館\r\nBcc: everyone@example.com", "臨時\x00休館", "a\tb", "a\x1bb", "\u202eevil"]
BODY_BAD = ["本日は\r\n休館", "本日は\x00休館", "\x07", "\x1b[31m"]


async def _refused(client: Client, method: str, path: str, who: Account, body: Any, field: str) -> None:
    response = await client.request(method, path, json=body, headers=who.headers)
    error = await error_of(response, 422)
    assert error["details"]["fields"][0]["path"] == field, error


async def test_announcements(client: Client, person: UserFactory) -> None:
    author = await person("member")
    for bad in ONE_LINE_BAD:
        await _refused(client, "POST", "/api/announcements", author, {**NOTICE, "title": bad}, "title")
        english = {**NOTICE, "title_en": bad, "body_en": "Closed."}
        await _refused(client, "POST", "/api/announcements", author, english, "title_en")
    for bad in BODY_BAD:
        await _refused(client, "POST", "/api/announcements", author, {**NOTICE, "body": bad}, "body")
    await _refused(client, "POST", "/api/announcements", author, {**NOTICE, "body": " \n "}, "body")
    assert await client.app[keys.DB]["announcements"].count_documents({}) == 0
    fine = {**NOTICE, "body": "本日は\n\t臨時休館です。"}
    response = await client.post("/api/announcements", json=fine, headers=author.headers)
    assert response.status == 201, await response.text()
    assert (await response.json())["body"] == "本日は\n\t臨時休館です。"


async def test_board_texts(client: Client, board: Board) -> None:
    owner = board.owner
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    for bad in ONE_LINE_BAD:
        await _refused(client, "POST", f"/api/boards/{board.id}/columns", owner, {"title": bad}, "title")
        body = {"version": column["version"], "title": bad}
        await _refused(client, "PATCH", f"/api/columns/{column['id']}", owner, body, "title")
        body = {"column_id": column["id"], "title": bad}
        await _refused(client, "POST", f"/api/boards/{board.id}/cards", owner, body, "title")
    for bad in BODY_BAD:
        body = {"column_id": column["id"], "title": "見積", "description": bad}
        await _refused(client, "POST", f"/api/boards/{board.id}/cards", owner, body, "description")
        body = {"version": card["version"], "description": bad}
        await _refused(client, "PATCH", f"/api/cards/{card['id']}", owner, body, "description")
        await _refused(client, "POST", f"/api/cards/{card['id']}/comments", owner, {"body": bad}, "body")
    body = {"version": card["version"], "description": "一行目\n\t二行目"}
    response = await client.patch(f"/api/cards/{card['id']}", json=body, headers=owner.headers)
    assert response.status == 200, await response.text()


async def test_projects_people_orgs_hubs(client: Client, person: UserFactory) -> None:
    admin = await person("admin")
    for bad in ONE_LINE_BAD:
        body = {"title": bad, "visibility": "public"}
        await _refused(client, "POST", "/api/projects", admin, body, "title")
        user = {"email": "new@dejima.test", "name": bad, "role": "member"}
        await _refused(client, "POST", "/api/users", admin, user, "name")
        await _refused(client, "POST", "/api/orgs", admin, {"name": bad, "kind": "company"}, "name")
        await _refused(client, "PATCH", "/api/hubs/bandai", admin, {"name": bad}, "name")
    for bad in BODY_BAD:
        body = {"title": "防災訓練", "summary": bad, "visibility": "public"}
        await _refused(client, "POST", "/api/projects", admin, body, "summary")
    org = await new_org(client, admin)
    body = {"url": "https://93.184.215.14/hook", "events": ["*"], "description": "CRM\r\n"}
    await _refused(client, "POST", f"/api/orgs/{org}/webhooks", admin, body, "description")
