"""The public archive (JSON, Atom, pages) shows public announcements only, to anyone; readings give
furigana that join back to the text; statistics are for the office and hold no personal data."""

from __future__ import annotations

from typing import Any

import feedparser
from aiohttp.test_utils import TestClient

from tests.conftest import UserFactory
from tests.residents.helpers import announce, define_topics, event, line_user, webhook

TITLE = "防災訓練のお知らせ <script>alert(1)</script>"
BODY = "来週、避難訓練を行います。小学校の体育館に集まってください。"


async def test_the_archive_shows_only_public_announcements_newest_first_by_topic(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    admin = await make_user("admin")
    await define_topics(client, admin)
    first = await announce(client, admin, title="一つ目", public=True, audience={"topics": ["bousai"]})
    private = await announce(client, admin, title="内部", public=False)
    staff_only = await announce(client, admin, title="職員", public=True, audience={"all": True})
    last = await announce(client, admin, title="三つ目", public=True, audience={"topics": ["kanko"]})

    page = await (await client.get("/api/public/announcements?limit=2")).json()
    assert [i["id"] for i in page["items"]] == [last["id"], staff_only["id"]]
    more = await (await client.get(f"/api/public/announcements?limit=2&cursor={page['next_cursor']}")).json()
    assert [i["id"] for i in more["items"]] == [first["id"]] and more["next_cursor"] is None
    by_topic = await (await client.get("/api/public/announcements?topic=bousai")).json()
    assert [i["id"] for i in by_topic["items"]] == [first["id"]]
    assert (await client.get(f"/api/public/announcements/{private['id']}")).status == 404
    assert (await client.get(f"/api/public/announcements/{first['id']}")).status == 200
    assert (await client.get("/api/public/announcements?cursor=%%%")).status == 422
    assert (await client.get("/api/public/announcements?topic=Bad Key")).status == 422
    for page_path in ("/news", f"/news/{first['id']}"):
        response = await client.get(page_path, allow_redirects=False)
        assert response.status == 200, page_path


async def test_the_atom_feed_parses_with_feedparser_and_keeps_text_as_text(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    admin = await make_user("admin")
    shown = await announce(client, admin, title=TITLE, body=BODY, public=True)
    await announce(client, admin, title="内部の連絡", public=False)

    response = await client.get("/news.atom")
    assert response.status == 200
    assert response.content_type == "application/atom+xml"
    feed = feedparser.parse(await response.read())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    [entry] = feed.entries
    assert entry.title == TITLE
    assert entry.title_detail.type == "text/plain"
    assert entry.link == f"http://dejima.test/news/{shown['id']}"
    assert entry.content[0].value == BODY
    assert "<script>" not in (await response.text())


async def test_readings_join_back_to_the_text_with_hiragana_over_kanji(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    admin = await make_user("admin")
    shown = await announce(client, admin, title="避難訓練", body=BODY, public=True)
    plain = await (await client.get(f"/api/public/announcements/{shown['id']}")).json()
    assert plain["reading"] is None
    found = await (await client.get(f"/api/public/announcements/{shown['id']}?reading=1")).json()
    for field, text in (("title", "避難訓練"), ("body", BODY)):
        segments = found["reading"][field]
        assert "".join(s["text"] for s in segments) == text
        for segment in segments:
            has_kanji = any("\u4e00" <= ch <= "\u9fff" for ch in segment["text"])
            assert (segment.get("ruby") is not None) == has_kanji, segment
            if segment.get("ruby"):
                assert all("\u3041" <= ch <= "\u309f" or ch == "ー" for ch in segment["ruby"]), segment
    body = {s["text"]: s.get("ruby") for s in found["reading"]["body"]}
    assert (body["避難"], body["訓練"], body["体育"], body["集"]) == (
        "ひなん",
        "くんれん",
        "たいいく",
        "あつ",
    )
    assert found["reading"]["title"][0] == {"text": "避難", "ruby": "ひなん"}
    assert {"text": "を"} in found["reading"]["body"]
    # The announcement form's preview, for those who write announcements only.
    member = await make_user("member")
    preview = await client.post("/api/readings", json={"text": "防災"}, headers=member.headers)
    assert (await preview.json())["reading"] == [{"text": "防災", "ruby": "ぼうさい"}]
    kiosk = await make_user("kiosk")
    assert (await client.post("/api/readings", json={"text": "防災"}, headers=kiosk.headers)).status == 403


async def test_statistics_are_for_the_office_and_hold_counts_only(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    admin, member, partner = await make_user("admin"), await make_user("member"), await make_user("partner")
    await define_topics(client, admin)
    await webhook(client, event("follow", line_user(1)), event("follow", line_user(2)))
    await webhook(client, event("postback", line_user(1), data="topic=kosodate&on=1"))
    await webhook(client, event("unfollow", line_user(2)))

    stats = await (await client.get("/api/residents/stats", headers=member.headers)).json()
    assert stats["followers"] == 1 and stats["unfollows"] == 1
    assert {t["key"]: t["followers"] for t in stats["topics"]}["kosodate"] == 1
    assert line_user(1) not in str(stats)
    assert (await client.get("/api/residents/stats", headers=partner.headers)).status == 403
    assert (await client.get("/api/residents/stats")).status == 401
    # Topics: admins define them; anyone reads them.
    topic = {"key": "event", "name": {"ja": "イベント", "en": "Events"}}
    assert (await client.post("/api/topics", json=topic, headers=member.headers)).status == 403
    assert (
        await client.post("/api/topics", json={**topic, "key": "Bad"}, headers=admin.headers)
    ).status == 422
    assert (await client.post("/api/topics", json=topic, headers=admin.headers)).status == 201
    clash = {"key": "event", "name": {"ja": "催し", "en": "Events"}}
    assert (await client.post("/api/topics", json=clash, headers=admin.headers)).status == 409
    keys = [t["key"] for t in await (await client.get("/api/public/topics")).json()]
    assert keys == ["bousai", "kosodate", "kanko", "event"]
