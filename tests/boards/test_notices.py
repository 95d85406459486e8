"""Assignment and mention notifications: for the people concerned who can read the board, once."""

from __future__ import annotations

from typing import Any

from hub import keys
from hub.boards.mentions import Person, mentioned
from tests.boards.conftest import Board, BoardFactory, Client, add_card, add_column, post
from tests.conftest import UserFactory


async def _notifications(client: Client) -> list[tuple[str, str]]:
    docs = await client.app[keys.DB]["notifications"].find({}).sort("created_at", 1).to_list()
    return [(doc["user_id"], doc["kind"]) for doc in docs]


async def test_assigning_notifies_the_newly_assigned_only(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"], assignees=[board.viewer.id, board.owner.id])
    # The owner assigned themself: no notification for that.
    assert await _notifications(client) == [(board.viewer.id, "card.assigned")]
    response = await client.patch(
        f"/api/cards/{card['id']}",
        json={"version": 1, "assignees": [board.viewer.id, board.editor.id]},
        headers=board.owner.headers,
    )
    assert response.status == 200
    assert await _notifications(client) == [
        (board.viewer.id, "card.assigned"),
        (board.editor.id, "card.assigned"),
    ]
    doc = await client.app[keys.DB]["notifications"].find_one({"user_id": board.editor.id})
    assert doc["data"]["card_id"] == card["id"] and doc["data"]["by"]["id"] == board.owner.id
    assert doc["read_at"] is None


async def test_mentions_reach_only_people_who_can_read_the_board(
    client: Client, make_board: BoardFactory, person: UserFactory
) -> None:
    board = await make_board("private")
    await person("member", name="佐藤 花子", email="hanako@dejima.test")  # cannot read the board
    inside = await person("member", name="佐藤 淳一", email="sato@dejima.test")
    await client.post(
        f"/api/projects/{board.project_id}/members",
        json={"user_id": inside.id, "role": "viewer"},
        headers=board.owner.headers,
    )
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    status, comment = await post(
        client,
        f"/api/cards/{card['id']}/comments",
        board.editor,
        {"body": "@佐藤さん と @hanako 確認お願いします"},
    )
    assert status == 201 and comment["mentions"] == [inside.id]
    # The card's creator follows it, so hears of the comment too (hanako hears nothing).
    assert sorted(await _notifications(client)) == sorted(
        [(inside.id, "card.mentioned"), (board.owner.id, "card.commented")]
    )


async def test_a_crash_after_the_commit_is_caught_up_by_the_sweep(client: Client, board: Board) -> None:
    column = await add_column(client, board)
    await add_card(client, board, column["id"], assignees=[board.viewer.id])
    db = client.app[keys.DB]
    # As if the process died between the commit and the notification: neither the cause handed to
    # the notifications' entrance nor its record exists.
    await db["notifications"].delete_many({})
    await db["notification_causes"].delete_many({})
    services = client.app[keys.SERVICES]
    assert await services.boards.notices.sweep(window_s=60) == 1
    assert await _notifications(client) == [(board.viewer.id, "card.assigned")]
    # Sweeping again (or the original process finishing late) creates no second record.
    await services.boards.notices.sweep(window_s=60)
    assert await _notifications(client) == [(board.viewer.id, "card.assigned")]


def test_mention_rules() -> None:
    people = [
        Person(id="sato", name="佐藤 淳一", email="sato@bandai.example"),
        Person(id="satoshi", name="Satoshi Ito", email="satoshi@bandai.example"),
        Person(id="suzuki", name="鈴木 美咲", email="suzuki@bandai.example"),
        Person(id="mary", name="Mary Ann Lee", email="m.lee@partner.example"),
    ]

    def ids(text: str) -> list[Any]:
        return mentioned(text, people)

    assert ids("@佐藤さん、お願いします") == ["sato"]
    assert ids("@佐藤淳一 @鈴木") == ["sato", "suzuki"]
    assert ids("@sato @Satoshi") == ["sato", "satoshi"]
    assert ids("@satoshi123") == []
    assert ids("@MaryAnnLee: hi") == ["mary"]
    assert ids("cc @m.lee.") == ["mary"]
    assert ids("mail me at sato@bandai.example") == []
    assert ids("@Ann and @Lee") == ["mary"]
    assert ids("no mention @ all, @x") == []


async def test_a_mention_quotes_the_comment_and_links_to_the_card(
    client: Client, board: Board, person: UserFactory
) -> None:
    await person("member", name="磐梯 次郎", email="jiro@dejima.test")
    await client.post(
        f"/api/projects/{board.project_id}/members",
        json={
            "user_id": (await client.app[keys.SERVICES].identity.users.by_email("jiro@dejima.test"))["_id"],
            "role": "viewer",
        },
        headers=board.owner.headers,
    )
    column = await add_column(client, board)
    card = await add_card(client, board, column["id"])
    body = "@jiro 明日の除雪計画、確認をお願いします。"
    status, _ = await post(client, f"/api/cards/{card['id']}/comments", board.editor, {"body": body})
    assert status == 201
    doc = await client.app[keys.DB]["notifications"].find_one({"kind": "card.mentioned"})
    assert body in doc["data"]["body"]  # not just "名前 さん:"
    assert doc["data"]["link"] == f"/boards/{board.id}?card={card['id']}"
