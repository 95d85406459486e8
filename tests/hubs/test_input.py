"""Bad input at a hub: the contract's error, and nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub import keys
from tests.conftest import UserFactory
from tests.hubs.conftest import VISITOR, check_in

BAD_VISITORS = {
    "missing consent": {k: v for k, v in VISITOR.items() if k != "consent"},
    "consent false": {**VISITOR, "consent": False},
    "consent as a string": {**VISITOR, "consent": "yes"},
    "10 kB name": {**VISITOR, "name": "あ" * 10_000},
    "newline in name": {**VISITOR, "name": "山田\n太郎"},
    "NUL in name": {**VISITOR, "name": "山田\x00"},
    "bidi override in organization": {**VISITOR, "organization": "\u202eevil"},
    "blank name": {**VISITOR, "name": "   "},
    "empty purpose": {**VISITOR, "purpose": ""},
    "unknown purpose": {**VISITOR, "purpose": "party"},
    "missing purpose": {k: v for k, v in VISITOR.items() if k != "purpose"},
    "unknown field": {**VISITOR, "email": "x@example.jp"},
    "contact with a tab": {**VISITOR, "contact": "090\t1234"},
}


@pytest.mark.parametrize("body", BAD_VISITORS.values(), ids=BAD_VISITORS.keys())
async def test_bad_visitor_is_refused_and_nothing_stored(
    client: TestClient[Any, Any], make_user: UserFactory, body: dict[str, Any]
) -> None:
    kiosk = await make_user("kiosk", hub_id="bandai")
    response = await check_in(client, kiosk.headers, body=body)
    assert response.status == 422, await response.text()
    error = (await response.json())["error"]
    assert error["code"] == "invalid_request"
    assert error["details"]["fields"]
    db = client.app[keys.DB]
    assert await db["checkins"].count_documents({}) == 0
    events = await client.app[keys.SERVICES].events.since("hub:bandai", 0)
    assert [e.event for e in events] == ["hub.created"]


async def test_malformed_json_is_400(client: TestClient[Any, Any], make_user: UserFactory) -> None:
    kiosk = await make_user("kiosk", hub_id="bandai")
    for raw in (b"{", b"[1]"):
        response = await client.post("/api/hubs/bandai/checkins", data=raw, headers=kiosk.headers)
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "invalid_request"


BAD_PATCHES = {
    "capacity zero": {"capacity": 0},
    "capacity text": {"capacity": "many"},
    "time 24:00": {"close": "24:00"},
    "time without colon": {"open": "0900"},
    "open equals close": {"open": "18:00"},
    "unknown zone": {"timezone": "Mars/Olympus"},
    "null name": {"name": None},
    "unknown field": {"colour": "red"},
}


@pytest.mark.parametrize("body", BAD_PATCHES.values(), ids=BAD_PATCHES.keys())
async def test_bad_hub_patch_changes_nothing(
    client: TestClient[Any, Any], make_user: UserFactory, body: dict[str, Any]
) -> None:
    admin = await make_user("admin")
    before = await (await client.get("/api/hubs", headers=admin.headers)).json()
    response = await client.patch("/api/hubs/bandai", json=body, headers=admin.headers)
    assert response.status == 422, await response.text()
    assert await (await client.get("/api/hubs", headers=admin.headers)).json() == before


@pytest.mark.parametrize(
    "query", ["from=2026-13-01", "from=2026-11-02&to=2026-11-01", "from=2025-01-01&to=2026-12-31"]
)
async def test_bad_date_ranges(client: TestClient[Any, Any], make_user: UserFactory, query: str) -> None:
    member = await make_user("member")
    for path in ("stats", "checkins.csv"):
        response = await client.get(f"/api/hubs/bandai/{path}?{query}", headers=member.headers)
        assert response.status == 422, (path, await response.text())
