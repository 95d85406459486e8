"""E-mail subscribers: double opt-in (nothing but the confirmation before it) and one-click
unsubscribe (RFC 8058) by POST on every newsletter."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient

from hub.services import Services
from tests.conftest import UserFactory
from tests.notifications.fakes import Mailbox
from tests.notifications.fixtures import deliver_all
from tests.residents.helpers import announce, define_topics

ADDRESS = "hanako@example.jp"


def _token(box: Mailbox) -> str:
    [confirmation] = box.to(ADDRESS)
    body = confirmation.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"/news/confirm#token=([A-Za-z0-9_\-%]+)", body.get_content())
    assert found is not None
    return found.group(1)


async def test_nothing_is_sent_before_the_address_is_confirmed(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    admin = await make_user("admin")
    await define_topics(client, admin)
    body = {"email": ADDRESS, "topics": ["bousai"], "locale": "ja"}
    response = await client.post("/api/public/subscriptions", json=body)
    assert response.status == 202
    # Asking again at once sends no second e-mail.
    assert (await client.post("/api/public/subscriptions", json=body)).status == 202
    await announce(client, admin, audience={"topics": ["bousai"]})
    await deliver_all(services)
    assert len(box.to(ADDRESS)) == 1
    assert "List-Unsubscribe" not in box.to(ADDRESS)[0]
    stats = await (await client.get("/api/residents/stats", headers=admin.headers)).json()
    assert (stats["subscribers"], stats["pending_subscribers"]) == (0, 1)

    wrong = await client.post("/api/public/subscriptions/confirm", json={"token": "x" * 40})
    assert wrong.status == 404
    confirmed = await client.post("/api/public/subscriptions/confirm", json={"token": _token(box)})
    assert confirmed.status == 200
    assert await confirmed.json() == {"status": "confirmed", "topics": ["bousai"]}

    await announce(client, admin, title="防災訓練", audience={"topics": ["bousai"]})
    await deliver_all(services)
    newsletter = box.to(ADDRESS)[-1]
    assert newsletter["Subject"] == "防災訓練"
    assert newsletter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert newsletter["List-Unsubscribe"].startswith(
        "<http://dejima.test/api/public/subscriptions/unsubscribe?"
    )
    # A resident has no account: the words are a newsletter's, and a notice that is not public has no
    # page to open; a public one links to its page in the archive.
    text = newsletter.get_body(preferencelist=("plain",)).get_content()
    assert "配信を停止する" in text and "Dejima で開く" not in text
    assert "/news" not in text
    public = await announce(client, admin, title="観光", audience={"topics": ["bousai"]}, public=True)
    await deliver_all(services)
    text = box.to(ADDRESS)[-1].get_body(preferencelist=("plain",)).get_content()
    assert f"町のお知らせページで読む: http://dejima.test/news/{public['id']}" in text


async def test_one_click_unsubscribe_by_post_ends_the_subscription(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    admin = await make_user("admin")
    await client.post("/api/public/subscriptions", json={"email": ADDRESS, "topics": []})
    await deliver_all(services)
    await client.post("/api/public/subscriptions/confirm", json={"token": _token(box)})
    await announce(client, admin)
    await deliver_all(services)
    url = urlsplit(box.to(ADDRESS)[-1]["List-Unsubscribe"].strip("<>"))
    target = f"{url.path}?{url.query}"

    # A GET (a mail scanner following the link) changes nothing.
    assert (await client.get(target)).status == 200
    stats = await (await client.get("/api/residents/stats", headers=admin.headers)).json()
    assert stats["subscribers"] == 1
    # What a mail client sends (RFC 8058): a form POST with List-Unsubscribe=One-Click.
    response = await client.post(
        target,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200
    assert (await response.json())["status"] == "unsubscribed"
    stats = await (await client.get("/api/residents/stats", headers=admin.headers)).json()
    assert stats["subscribers"] == 0
    assert await services.db["deliveries"].count_documents({"to_email": ADDRESS}) == 0

    before = len(box.to(ADDRESS))
    await announce(client, admin)
    await deliver_all(services)
    assert len(box.to(ADDRESS)) == before
    forged = await client.post(target.replace("token=es_", "token=es_0"))
    assert forged.status == 404


async def test_bad_subscriptions_are_clear_422s(client: TestClient[Any, Any]) -> None:
    for body in (
        {"email": "not-an-address"},
        {"email": ADDRESS, "topics": ["nope"]},
        {"email": ADDRESS, "x": 1},
    ):
        response = await client.post("/api/public/subscriptions", json=body)
        assert response.status == 422, body
