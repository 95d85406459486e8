"""``POST /api/line/webhook``: only LINE's signature gets in; a one-time code links an account."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from aiohttp.test_utils import TestClient

from hub.services import Services
from tests.conftest import UserFactory
from tests.notifications.fakes import LINE_SECRET, FakeClock, FakeLine
from tests.notifications.fixtures import deliver_all

LINE_USER = "U" + "a" * 32


def _event(text: str, user: str = LINE_USER) -> dict[str, Any]:
    return {
        "type": "message",
        "mode": "active",
        "timestamp": 1764212400000,
        "source": {"type": "user", "userId": user},
        "replyToken": "reply-token",
        "webhookEventId": "01HZZZ",
        "deliveryContext": {"isRedelivery": False},
        "message": {"id": "1", "type": "text", "quoteToken": "q", "text": text},
    }


def _signed(payload: dict[str, Any], secret: str = LINE_SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"destination": "Ubot", "events": payload["events"]}).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return body, {"X-Line-Signature": signature, "Content-Type": "application/json"}


async def _line_id(services: Services, user_id: str) -> str | None:
    doc = await services.identity.users.get(user_id)
    assert doc is not None
    return doc.get("line_user_id")


async def test_unsigned_or_wrongly_signed_calls_are_refused_and_change_nothing(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services
) -> None:
    person = await make_user("member")
    code = (await (await client.post("/api/me/line/link-code", headers=person.headers)).json())["code"]
    body, headers = _signed({"events": [_event(code)]})

    unsigned = await client.post("/api/line/webhook", data=body, headers={"Content-Type": "application/json"})
    assert unsigned.status == 401
    assert (await unsigned.json())["error"]["code"] == "unauthenticated"
    wrong_key = await client.post(
        "/api/line/webhook", data=body, headers=_signed({"events": [_event(code)]}, "x")[1]
    )
    assert wrong_key.status == 401
    tampered = body.replace(LINE_USER.encode(), b"U" + b"b" * 32)
    assert (await client.post("/api/line/webhook", data=tampered, headers=headers)).status == 401
    assert await _line_id(services, person.id) is None

    # The code was not used up by the refused calls.
    assert (await client.post("/api/line/webhook", data=body, headers=headers)).status == 200
    assert await _line_id(services, person.id) == LINE_USER


async def test_a_code_links_the_account_once_and_says_so_on_line(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services, line_api: tuple[FakeLine, str]
) -> None:
    fake, _ = line_api
    person = await make_user("member")
    other = await make_user("member")
    response = await client.post("/api/me/line/link-code", headers=person.headers)
    assert response.status == 201
    code = (await response.json())["code"]
    assert len(code) == 6 and code.isdigit()

    body, headers = _signed({"events": [_event(f" {code} ")]})
    assert (await client.post("/api/line/webhook", data=body, headers=headers)).status == 200
    prefs = await (await client.get("/api/me/preferences", headers=person.headers)).json()
    assert prefs["line_linked"] is True
    await deliver_all(services)
    [call] = fake.calls
    assert call.to == [LINE_USER] and call.text.startswith("LINE と連携しました")
    listed = await (await client.get("/api/notifications", headers=person.headers)).json()
    assert [n["kind"] for n in listed] == ["line.linked"]

    # LINE redelivers, or someone replays the message from another account: nothing more happens.
    assert (await client.post("/api/line/webhook", data=body, headers=headers)).status == 200
    replay, replay_headers = _signed({"events": [_event(code, "U" + "c" * 32)]})
    assert (await client.post("/api/line/webhook", data=replay, headers=replay_headers)).status == 200
    assert await _line_id(services, person.id) == LINE_USER
    assert await _line_id(services, other.id) is None
    await deliver_all(services)
    assert len(fake.calls) == 1

    # Unlinking from the preferences page.
    assert (await client.delete("/api/me/line", headers=person.headers)).status == 204
    assert await _line_id(services, person.id) is None


async def test_an_expired_code_links_nothing(
    client: TestClient[Any, Any], make_user: UserFactory, timed: Services, clock: FakeClock
) -> None:
    person = await make_user("member")
    issued = await timed.notifications.line_linking.issue_code(person.id)
    clock.advance(16 * 60)
    body, headers = _signed({"events": [_event(issued.code)]})
    assert await timed.notifications.line_linking.receive(body, headers["X-Line-Signature"]) == 0
    assert await _line_id(timed, person.id) is None


async def test_unfollow_unlinks(
    client: TestClient[Any, Any], make_user: UserFactory, services: Services
) -> None:
    person = await make_user("member", line_user_id=LINE_USER)
    event = {
        "type": "unfollow",
        "timestamp": 1,
        "source": {"type": "user", "userId": LINE_USER},
        "mode": "active",
    }
    body, headers = _signed({"events": [event]})
    assert (await client.post("/api/line/webhook", data=body, headers=headers)).status == 200
    assert await _line_id(services, person.id) is None
