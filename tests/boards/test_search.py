"""Search as a user sees it (API.md, "Finding and reminding"): any part of any text, Japanese and
mixed width included, only readable boards, filters, and pages that never repeat a card."""

from __future__ import annotations

from typing import Any

from tests.boards.conftest import Board, BoardFactory, Client, add_card, add_column, post
from tests.conftest import Account, AppFactory


async def search(client: Client, account: Account, **params: Any) -> dict[str, Any]:
    response = await client.get(
        "/api/search", params={k: str(v) for k, v in params.items()}, headers=account.headers
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


def found(page: dict[str, Any]) -> list[str]:
    return [item["card"]["title"] for item in page["items"]]


async def test_japanese_substrings_mixed_width_and_case_are_found(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    drill = await add_card(client, board, column["id"], "地域防災訓練", description="会場は公民館")
    await add_card(client, board, column["id"], "ＡＥＤ講習 Workshop")
    await add_card(client, board, column["id"], "ﾃﾞｼﾞﾏ便り")
    await add_card(client, board, column["id"], "関係ない")
    status, _ = await post(
        client, f"/api/cards/{drill['id']}/comments", board.owner, {"body": "消火器を借りる"}
    )
    assert status == 201

    assert found(await search(client, board.owner, q="防災")) == ["地域防災訓練"]
    assert found(await search(client, board.owner, q="公民")) == ["地域防災訓練"]  # description
    assert found(await search(client, board.owner, q="消火")) == ["地域防災訓練"]  # a comment
    assert found(await search(client, board.owner, q="aed")) == [
        "ＡＥＤ講習 Workshop"
    ]  # full width, any case
    assert found(await search(client, board.owner, q="ｗｏｒｋＳＨＯＰ")) == ["ＡＥＤ講習 Workshop"]
    assert found(await search(client, board.owner, q="デジマ")) == ["ﾃﾞｼﾞﾏ便り"]  # half-width kana
    assert found(await search(client, board.owner, q="防火")) == []  # both characters, not in a row
    assert found(await search(client, board.owner, q=" 訓練　公民館 ")) == [
        "地域防災訓練"
    ]  # each word, anywhere
    hit = (await search(client, board.owner, q="防災"))["items"][0]
    assert hit["board_id"] == board.id and hit["project_id"] == board.project_id
    assert hit["project_title"] == "Board" and hit["card"]["id"] == drill["id"]


async def test_a_private_board_is_never_found_by_a_non_member(
    client: Client, make_board: BoardFactory, person: Any
) -> None:
    private = await make_board("private")
    public = await make_board("public")
    for board, title in ((private, "秘密の防災計画"), (public, "公開の防災計画")):
        column = await add_column(client, board)
        await add_card(client, board, column["id"], title)
    stranger = await person("member")
    assert found(await search(client, stranger, q="防災計画")) == ["公開の防災計画"]
    assert found(await search(client, private.viewer, q="防災計画")) == ["公開の防災計画", "秘密の防災計画"]
    response = await client.get(
        "/api/search", params={"q": "防災", "board_id": private.id}, headers=stranger.headers
    )
    assert response.status == 404


async def test_filters_by_board_label_assignee_due_and_archived(
    client: Client, make_board: BoardFactory
) -> None:
    board = await make_board("public")
    other = await make_board("public")
    column = await add_column(client, board)
    await add_card(client, board, column["id"], "会議 A", labels=["要確認"], due="2026-12-01")
    await add_card(client, board, column["id"], "会議 B", assignees=[board.editor.id], due="2026-12-20")
    old = await add_card(client, board, column["id"], "会議 C")
    status, _ = await post(client, f"/api/cards/{old['id']}/archive", board.owner, {})
    assert status == 200
    elsewhere = await add_column(client, other)
    await add_card(client, other, elsewhere["id"], "会議 D")
    me = board.owner
    assert sorted(found(await search(client, me, q="会議"))) == ["会議 A", "会議 B", "会議 D"]
    assert sorted(found(await search(client, me, q="会議", board_id=board.id))) == ["会議 A", "会議 B"]
    assert found(await search(client, me, q="会議", label="要確認")) == ["会議 A"]
    assert found(await search(client, me, q="会議", assignee=board.editor.id)) == ["会議 B"]
    assert found(await search(client, me, q="会議", due_before="2026-12-01")) == ["会議 A"]
    assert found(await search(client, me, q="会議", due_after="2026-12-02")) == ["会議 B"]
    assert found(await search(client, me, q="会議", archived="true")) == ["会議 C"]


async def test_pages_never_repeat_a_card_while_cards_change(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    cards = [await add_card(client, board, column["id"], f"報告 {n}") for n in range(7)]
    seen: list[str] = []
    page = await search(client, board.owner, q="報告", limit=3)
    assert found(page) == ["報告 6", "報告 5", "報告 4"]  # newest change first
    seen += [item["card"]["id"] for item in page["items"]]
    # Meanwhile: a card already shown and one not yet shown change, and a new one appears.
    for card in (cards[5], cards[1]):
        status, _ = await post(client, f"/api/cards/{card['id']}/archive", board.owner, {})
        status, _ = await post(client, f"/api/cards/{card['id']}/restore", board.owner, {})
        assert status == 200
    await add_card(client, board, column["id"], "報告 new")
    while page["next_cursor"]:
        page = await search(client, board.owner, q="報告", limit=3, cursor=page["next_cursor"])
        seen += [item["card"]["id"] for item in page["items"]]
    assert len(seen) == len(set(seen))
    assert {cards[n]["id"] for n in (0, 2, 3, 4, 5, 6)} <= set(seen)


async def test_another_instance_finds_a_change_made_here(make_client: AppFactory, board: Board) -> None:
    here = await make_client()
    there = await make_client()
    column = await add_column(here, board)
    card = await add_card(here, board, column["id"], "旧い題名")
    assert found(await search(there, board.owner, q="題名")) == ["旧い題名"]
    response = await here.patch(
        f"/api/cards/{card['id']}",
        json={"version": card["version"], "title": "新しい題名"},
        headers=board.owner.headers,
    )
    assert response.status == 200
    assert found(await search(there, board.owner, q="題名")) == ["新しい題名"]
    assert found(await search(there, board.owner, q="旧い")) == []


async def test_bad_queries_are_refused(client: Client, board: Board) -> None:
    for params in (
        {"q": ""},
        {"q": "x" * 201},
        {"q": "a", "limit": "101"},
        {"q": "a", "cursor": "nonsense"},
        {},
    ):
        response = await client.get("/api/search", params=params, headers=board.owner.headers)
        assert response.status == 422, params
    response = await client.get("/api/search", params={"q": "a"})
    assert response.status == 401
