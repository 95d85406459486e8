"""The board page brings its first reads with it (hub/web/shell.py, ``reads``): the board's snapshot
and who is signed in, written inert into the page, exactly the API's answers, only for those who may
read them, and never kept by a cache."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

from tests.boards.conftest import Board, Client
from tests.conftest import UserFactory

HTML = {"Accept": "text/html"}


class _Reads(HTMLParser):
    """The page's ``<script type="application/json" data-read>`` elements, by name, as written."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: dict[str, str] = {}
        self.scripts = 0
        self._name: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "script":
            return
        self.scripts += 1
        values = dict(attrs)
        name = values.get("data-read")
        if values.get("type") == "application/json" and name:
            self._name = name
            self.reads[name] = ""

    def handle_data(self, data: str) -> None:
        if self._name is not None:
            self.reads[self._name] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._name = None


async def _page(client: Client, board_id: str, headers: dict[str, str]) -> tuple[Any, _Reads]:
    response = await client.get(f"/boards/{board_id}", headers={**headers, **HTML}, allow_redirects=False)
    parser = _Reads()
    parser.feed(await response.text())
    return response, parser


async def _api(client: Client, path: str, headers: dict[str, str]) -> Any:
    response = await client.get(path, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def _column_with_cards(client: Client, board: Board, *titles: str) -> None:
    """A column holding cards with these titles, made by the board's owner."""
    response = await client.post(
        f"/api/boards/{board.id}/columns", json={"title": "やること"}, headers=board.owner.headers
    )
    column = await response.json()
    for title in titles:
        response = await client.post(
            f"/api/boards/{board.id}/cards",
            json={"column_id": column["id"], "title": title},
            headers=board.owner.headers,
        )
        assert response.status == 201


async def test_a_member_gets_the_board_and_who_they_are_with_the_page(client: Client, board: Board) -> None:
    await _column_with_cards(client, board, "回覧板", "防災訓練")

    response, page = await _page(client, board.id, board.viewer.headers)

    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert set(page.reads) == {"me", "board"}
    assert json.loads(page.reads["board"]) == await _api(
        client, f"/api/boards/{board.id}", board.viewer.headers
    )
    assert json.loads(page.reads["me"]) == await _api(client, "/api/me", board.viewer.headers)
    assert {card["title"] for card in json.loads(page.reads["board"])["columns"][0]["cards"]} == {
        "回覧板",
        "防災訓練",
    }


async def test_a_title_cannot_end_the_element_it_is_written_in(client: Client, board: Board) -> None:
    title = '</script><script>alert("x")</script><!-- & -->'
    await _column_with_cards(client, board, title)

    _, page = await _page(client, board.id, board.owner.headers)
    _, plain = await _page(client, "0" * 24, board.owner.headers)

    board_json = json.loads(page.reads["board"])
    assert board_json["columns"][0]["cards"][0]["title"] == title
    assert page.scripts == plain.scripts + 1  # only the board's own element was added: no script ran out


async def test_someone_who_may_not_read_the_board_gets_the_page_without_it(
    client: Client, board: Board, person: UserFactory
) -> None:
    outsider = await person("partner")

    response, page = await _page(client, board.id, outsider.headers)

    assert response.status == 200  # the page's script asks the API and shows its 404 as always
    assert set(page.reads) == {"me"}
    assert (await client.get(f"/api/boards/{board.id}", headers=outsider.headers)).status == 404


async def test_no_reads_for_a_visitor_who_is_not_signed_in(client: Client, board: Board) -> None:
    response, page = await _page(client, board.id, {})

    assert response.status == 303
    assert page.reads == {}
