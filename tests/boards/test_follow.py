"""Following cards and boards: automatic followers, who is told of what, never of their own doing."""

from __future__ import annotations

from typing import Any

from hub import keys
from tests.boards.conftest import Board, BoardFactory, Client, add_card, add_column, post
from tests.conftest import Account, UserFactory


async def _kinds(client: Client, who: Account) -> list[str]:
    docs = (
        await client.app[keys.DB]["notifications"].find({"user_id": who.id}).sort("created_at", 1).to_list()
    )
    return [doc["kind"] for doc in docs]


async def _card(client: Client, card_id: str, who: Account) -> dict[str, Any]:
    response = await client.get(f"/api/cards/{card_id}", headers=who.headers)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def _patch(client: Client, card: dict[str, Any], who: Account, **fields: Any) -> dict[str, Any]:
    response = await client.patch(
        f"/api/cards/{card['id']}", json={"version": card["version"], **fields}, headers=who.headers
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def test_creator_assignees_and_commenters_follow_and_hear_of_others_changes(
    client: Client, make_board: BoardFactory, person: UserFactory
) -> None:
    helper = await person("member")
    board = await make_board("private", **{helper.id: "editor"})
    todo = await add_column(client, board, "Todo")
    done = await add_column(client, board, "Done")
    card = await add_card(client, board, todo["id"], assignees=[board.editor.id])
    assert card["followers"] == [board.owner.id, board.editor.id]

    # The helper comments: they follow from then on; the owner and the editor hear of it.
    status, _ = await post(client, f"/api/cards/{card['id']}/comments", helper, {"body": "見ました"})
    assert status == 201
    card = await _card(client, card["id"], board.owner)
    assert card["followers"] == [board.owner.id, board.editor.id, helper.id]
    assert await _kinds(client, board.owner) == ["card.commented"]
    assert await _kinds(client, board.editor) == ["card.assigned", "card.commented"]
    assert await _kinds(client, helper) == []  # never of one's own comment

    # The editor changes the due and moves the card to another column; the owner archives it.
    card = await _patch(client, card, board.editor, due="2026-12-01")
    status, card = await post(
        client, f"/api/cards/{card['id']}/move", board.editor, {"column_id": done["id"]}
    )
    assert status == 200
    status, _ = await post(client, f"/api/cards/{card['id']}/archive", board.owner)
    assert status == 200
    assert await _kinds(client, board.owner) == ["card.commented", "card.due_changed", "card.moved"]
    assert await _kinds(client, board.editor) == ["card.assigned", "card.commented", "card.archived"]
    assert await _kinds(client, helper) == ["card.due_changed", "card.moved", "card.archived"]
    note = await client.app[keys.DB]["notifications"].find_one(
        {"user_id": helper.id, "kind": "card.due_changed"}
    )
    assert note["data"]["card_id"] == card["id"] and "2026-12-01" in note["data"]["body"]


async def test_a_move_within_the_column_and_other_edits_tell_nobody(client: Client, board: Board) -> None:
    todo = await add_column(client, board)
    first = await add_card(client, board, todo["id"], "First")
    second = await add_card(client, board, todo["id"], "Second")
    await client.put(f"/api/cards/{first['id']}/follow", headers=board.editor.headers)
    await _patch(client, first, board.owner, title="Renamed", labels=["急ぎ"])
    status, _ = await post(
        client,
        f"/api/cards/{first['id']}/move",
        board.owner,
        {"column_id": todo["id"], "after": second["id"]},
    )
    assert status == 200
    assert await _kinds(client, board.editor) == []


async def test_unfollowing_stops_it_and_following_a_board_covers_every_card(
    client: Client, board: Board
) -> None:
    todo = await add_column(client, board)
    card = await add_card(client, board, todo["id"])
    response = await client.delete(f"/api/cards/{card['id']}/follow", headers=board.owner.headers)
    assert response.status == 204
    assert (await _card(client, card["id"], board.owner))["followers"] == []
    await post(client, f"/api/cards/{card['id']}/comments", board.editor, {"body": "一つ目"})
    assert await _kinds(client, board.owner) == []

    # Following again, twice, is one follow; the viewer follows the whole board.
    for _ in range(2):
        response = await client.put(f"/api/cards/{card['id']}/follow", headers=board.owner.headers)
        assert response.status == 204
    assert (await _card(client, card["id"], board.owner))["followers"] == [board.editor.id, board.owner.id]
    following = f"/api/boards/{board.id}/follow"
    assert await (await client.get(following, headers=board.viewer.headers)).json() == {"following": False}
    response = await client.put(following, headers=board.viewer.headers)
    assert response.status == 204
    assert await (await client.get(following, headers=board.viewer.headers)).json() == {"following": True}
    assert await (await client.get(following, headers=board.editor.headers)).json() == {"following": False}
    later = await add_card(client, board, todo["id"], "Later")
    await post(client, f"/api/cards/{later['id']}/comments", board.editor, {"body": "二つ目"})
    assert await _kinds(client, board.owner) == ["card.commented"]
    assert await _kinds(client, board.viewer) == ["card.commented"]

    response = await client.delete(following, headers=board.viewer.headers)
    assert response.status == 204
    assert await (await client.get(following, headers=board.viewer.headers)).json() == {"following": False}
    await post(client, f"/api/cards/{later['id']}/comments", board.editor, {"body": "三つ目"})
    assert await _kinds(client, board.viewer) == ["card.commented"]


async def test_only_readers_follow_and_hear(
    client: Client, make_board: BoardFactory, person: UserFactory
) -> None:
    board = await make_board("private")
    outsider = await person("member")
    todo = await add_column(client, board)
    card = await add_card(client, board, todo["id"])
    for path in (
        f"/api/cards/{card['id']}/follow",
        f"/api/boards/{board.id}/follow",
        "/api/cards/nope/follow",
    ):
        response = await client.put(path, headers=outsider.headers)
        assert response.status == 404, path
    assert (await client.put(f"/api/cards/{card['id']}/follow")).status == 401

    # A follower who leaves the project hears no more of its private cards.
    await client.put(f"/api/cards/{card['id']}/follow", headers=board.viewer.headers)
    response = await client.delete(
        f"/api/projects/{board.project_id}/members/{board.viewer.id}", headers=board.owner.headers
    )
    assert response.status in (200, 204), await response.text()
    await post(client, f"/api/cards/{card['id']}/comments", board.editor, {"body": "内緒"})
    assert await _kinds(client, board.viewer) == []
    assert await _kinds(client, board.owner) == ["card.commented"]
