"""Residents following the town's LINE account, through the one LINE webhook (signed calls only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from aiohttp.test_utils import TestClient

from hub.residents.model import FOLLOWERS
from hub.services import Services
from tests.conftest import UserFactory
from tests.notifications.fakes import LINE_SECRET, FakeLine
from tests.notifications.fixtures import deliver_all
from tests.residents.helpers import announce, define_topics, event, line_user, signed, webhook


async def _stats(client: TestClient[Any, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/api/residents/stats", headers=headers)
    assert response.status == 200
    found: dict[str, Any] = await response.json()
    return found


async def test_a_follow_keeps_a_subscriber_and_replies_with_the_topics_as_quick_replies(
    client: TestClient[Any, Any], make_user: UserFactory, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    admin = await make_user("admin")
    await define_topics(client, admin)
    assert await webhook(client, event("follow", line_user(1), reply="token-1")) == 200

    assert (await _stats(client, admin.headers))["followers"] == 1
    [reply] = fake.replies
    assert reply["replyToken"] == "token-1"
    items = reply["messages"][0]["quickReply"]["items"]
    assert [i["action"]["label"] for i in items] == ["防災", "子育て", "観光"]
    assert [i["action"]["data"] for i in items] == [
        "topic=bousai&on=1",
        "topic=kosodate&on=1",
        "topic=kanko&on=1",
    ]
    assert fake.problems == []


async def test_postbacks_toggle_topics_and_the_reply_shows_the_choice(
    client: TestClient[Any, Any], make_user: UserFactory, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    admin = await make_user("admin")
    await define_topics(client, admin)
    user = line_user(2)
    await webhook(client, event("follow", user))
    await webhook(client, event("postback", user, data="topic=bousai&on=1"))
    await webhook(client, event("postback", user, data="topic=kanko&on=1"))
    stats = await _stats(client, admin.headers)
    per_topic = {t["key"]: t["followers"] for t in stats["topics"]}
    assert per_topic == {"bousai": 1, "kosodate": 0, "kanko": 1}
    assert "防災" in fake.replies[1]["messages"][0]["text"]
    labels = [i["action"]["label"] for i in fake.replies[2]["messages"][0]["quickReply"]["items"]]
    assert labels == ["✓防災", "子育て", "✓観光"]

    await webhook(client, event("postback", user, data="topic=bousai&on=0"))
    # Unknown topics and foreign postbacks change nothing.
    await webhook(client, event("postback", user, data="topic=nope&on=1"))
    await webhook(client, event("postback", user, data="menu=open"))
    per_topic = {t["key"]: t["followers"] for t in (await _stats(client, admin.headers))["topics"]}
    assert per_topic == {"bousai": 0, "kosodate": 0, "kanko": 1}


async def test_an_unfollow_erases_the_follower_and_their_line_id_everywhere(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    admin = await make_user("admin")
    await define_topics(client, admin)
    user, other = line_user(3), line_user(4)
    await webhook(client, event("follow", user), event("follow", other))
    await webhook(client, event("postback", user, data="topic=bousai&on=1"))
    sent = await announce(client, admin, priority="urgent")
    await deliver_all(services)
    await webhook(client, event("postback", user, data=f"ack={sent['id']}"))

    await webhook(client, event("unfollow", user))

    db = services.db
    assert await db[FOLLOWERS].count_documents({}) == 1
    assert await db["resident_acks"].count_documents({}) == 0
    assert await db["deliveries"].count_documents({"line_to": user}) == 0
    assert await db["line_batches"].count_documents({}) >= 1
    stats = await _stats(client, admin.headers)
    assert (stats["followers"], stats["unfollows"]) == (1, 1)
    assert user not in str(stats)


async def test_a_bad_signature_is_refused_before_the_body_is_parsed(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    body, headers = signed([event("follow", line_user(5))], secret="not-the-secret")
    assert (await client.post("/api/line/webhook", data=body, headers=headers)).status == 401
    # Not JSON at all: still 401 (unsigned), never a parse error; signed garbage is a 400.
    garbage = b"{not json"
    unsigned = await client.post("/api/line/webhook", data=garbage, headers={"X-Line-Signature": "AAAA"})
    assert unsigned.status == 401
    signature = base64.b64encode(hmac.new(LINE_SECRET.encode(), garbage, hashlib.sha256).digest()).decode()
    parsed = await client.post("/api/line/webhook", data=garbage, headers={"X-Line-Signature": signature})
    assert parsed.status == 400
    assert await services.db[FOLLOWERS].count_documents({}) == 0
    assert fake.replies == []
