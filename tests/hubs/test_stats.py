"""Visit statistics per hub day and purpose, and the CSV export as Excel in Japan reads it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from schemas.hubs import SelfCheckinBody, VisitorCheckinBody
from tests.conftest import UserFactory
from tests.hubs.conftest import VISITOR, Clocked


async def test_stats_count_per_tokyo_day_and_purpose(
    clocked: Clocked, make_user: UserFactory, client: TestClient[Any, Any]
) -> None:
    hubs = clocked.services.hubs.service
    member_account = await make_user("member")
    member = await clocked.principal(member_account)
    # 23:30 UTC on the 26th is 08:30 on the 27th in Tokyo: it counts for the 27th.
    for at, purpose in (
        (datetime(2026, 11, 26, 14, 0, tzinfo=UTC), "event"),  # 23:00 JST on the 26th
        (datetime(2026, 11, 26, 23, 30, tzinfo=UTC), "meeting"),
        (datetime(2026, 11, 27, 1, 0, tzinfo=UTC), "meeting"),
    ):
        clocked.clock.now = at
        await hubs.check_in_visitor(
            member, "bandai", VisitorCheckinBody(**{**VISITOR, "purpose": purpose}), idempotency_key=None
        )
    clocked.clock.now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    await hubs.check_in_self(member, "bandai", SelfCheckinBody(), idempotency_key=None)

    response = await client.get(
        "/api/hubs/bandai/stats?from=2026-11-26&to=2026-11-28", headers=member_account.headers
    )
    assert response.status == 200, await response.text()
    stats = await response.json()
    assert (stats["from"], stats["to"], stats["total"]) == ("2026-11-26", "2026-11-28", 4)
    assert [(d["date"], d["total"]) for d in stats["days"]] == [
        ("2026-11-26", 1),
        ("2026-11-27", 3),
        ("2026-11-28", 0),
    ]
    assert stats["days"][1]["by_purpose"] == {"work": 1, "meeting": 2, "event": 0, "visit": 0, "other": 0}
    assert stats["by_purpose"]["event"] == 1


async def test_csv_has_a_bom_proper_quoting_and_no_formulas(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    member = await make_user("member")
    tricky = [
        ('=HYPERLINK("http://evil")', "+81 90 1234 5678"),
        ("@SUM(1)", "-1"),
        ('山田 "ヤマ" 太郎, 様', "a@example.jp"),
    ]
    for name, contact in tricky:
        body = {**VISITOR, "name": name, "contact": contact}
        assert (
            await client.post("/api/hubs/bandai/checkins", json=body, headers=member.headers)
        ).status == 201
    response = await client.get("/api/hubs/bandai/checkins.csv", headers=member.headers)
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 3
    by_name = {row["name"]: row for row in rows}
    assert set(by_name) == {'\'=HYPERLINK("http://evil")', "'@SUM(1)", '山田 "ヤマ" 太郎, 様'}
    assert by_name["'@SUM(1)"]["contact"] == "'-1"
    assert by_name['\'=HYPERLINK("http://evil")']["contact"] == "'+81 90 1234 5678"
    assert all(row["purpose"] == "meeting" and row["organization"] == VISITOR["organization"] for row in rows)
    assert all(row["checked_in_at"].endswith("Z") and row["checked_out_at"] == "" for row in rows)
    assert raw.count(b"\r\n") == 4
