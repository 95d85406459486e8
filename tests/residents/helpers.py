"""Signed LINE webhook calls and the steps every residents test takes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from typing import Any

from aiohttp.test_utils import TestClient

from hub import keys
from hub.services import Services
from tests.conftest import Account
from tests.notifications.fakes import LINE_SECRET

TOPICS = [
    {"key": "bousai", "name": {"ja": "防災", "en": "Disaster preparedness"}},
    {"key": "kosodate", "name": {"ja": "子育て", "en": "Parenting"}},
    {"key": "kanko", "name": {"ja": "観光", "en": "Tourism"}},
]


_TOKENS = itertools.count(1)


def line_user(n: int) -> str:
    return "U" + f"{n:032x}"


def event(kind: str, user: str, *, reply: str | None = "", data: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": 1764212400000,
        "source": {"type": "user", "userId": user},
        "webhookEventId": "01J" + user[-8:],
        "deliveryContext": {"isRedelivery": False},
    }
    if reply is not None and kind != "unfollow":
        found["replyToken"] = reply or f"reply-{next(_TOKENS)}"
    if data is not None:
        found["postback"] = {"data": data}
    return found


def signed(events: list[dict[str, Any]], secret: str = LINE_SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"destination": "Ubot", "events": events}).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return body, {"X-Line-Signature": signature, "Content-Type": "application/json"}


async def webhook(client: TestClient[Any, Any], *events: dict[str, Any]) -> int:
    body, headers = signed(list(events))
    return (await client.post("/api/line/webhook", data=body, headers=headers)).status


async def define_topics(client: TestClient[Any, Any], admin: Account) -> None:
    for topic in TOPICS:
        response = await client.post("/api/topics", json=topic, headers=admin.headers)
        assert response.status == 201, await response.text()


async def announce(client: TestClient[Any, Any], author: Account, **fields: Any) -> dict[str, Any]:
    body = {"title": "お知らせ", "body": "本文です。", "audience": {"residents": True}, **fields}
    response = await client.post("/api/announcements", json=body, headers=author.headers)
    assert response.status == 201, await response.text()
    found: dict[str, Any] = await response.json()
    # The worker's job (reach_residents) writes the residents' deliveries; no worker runs here.
    services: Services = client.app[keys.SERVICES]
    await services.announcements.service.reach_residents(found["id"])
    return found
