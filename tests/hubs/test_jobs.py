"""The hubs' cron jobs with the clock in the test's hand: check-out at closing time, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from hub import keys
from schemas.hubs import DateRangeQuery, HubPatch, SelfCheckinBody, VisitorCheckinBody
from tests.conftest import UserFactory
from tests.hubs.conftest import VISITOR, Clocked
from workers.hubs import auto_checkout, purge_visitors
from workers.settings import CRON_JOBS
from workers.sweeper import purge_events


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def test_cron_jobs_are_scheduled() -> None:
    scheduled = {job.coroutine for job in CRON_JOBS}
    assert {auto_checkout, purge_visitors, purge_events} <= scheduled


async def test_the_logs_events_are_kept_the_retention_period_then_purged(
    clocked: Clocked, make_user: UserFactory
) -> None:
    """``DEJIMA_EVENT_RETENTION_DAYS`` (7 by default): a replay asks for them until then; after it,
    the hourly job deletes them and the hub's channel goes on from its head."""
    hubs = clocked.services.hubs.service
    member = await clocked.principal(await make_user("member"))
    own, _ = await hubs.check_in_self(member, "bandai", SelfCheckinBody(), idempotency_key=None)
    events = clocked.services.events
    logged = [e.seq for e in await events.since("hub:bandai", 0)]
    assert logged
    stamped = datetime.now(UTC)  # events are stamped with the wall clock
    clocked.clock.now = stamped + timedelta(days=6, hours=23)
    assert await purge_events(clocked.ctx) == 0
    assert [e.seq for e in await events.since("hub:bandai", 0)] == logged
    clocked.clock.now = stamped + timedelta(days=7, minutes=5)
    assert await purge_events(clocked.ctx) >= len(logged)
    assert await events.since("hub:bandai", 0) == []
    assert await events.head("hub:bandai") == logged[-1]
    await hubs.check_out(member, own.id)  # the next change takes the next seq
    assert (await events.since("hub:bandai", 0))[0].seq == logged[-1] + 1


async def test_check_ins_end_at_closing_time_on_the_hubs_clock(
    clocked: Clocked, make_user: UserFactory
) -> None:
    hubs = clocked.services.hubs.service
    kiosk = await clocked.principal(await make_user("kiosk", hub_id="bandai"))
    member = await clocked.principal(await make_user("member"))
    clocked.clock.now = utc(2026, 11, 27, 8, 30)  # 17:30 in Tokyo; Bandai closes 18:00, Shibuya 21:00
    visitor, _ = await hubs.check_in_visitor(
        kiosk, "bandai", VisitorCheckinBody(**VISITOR), idempotency_key=None
    )
    own, _ = await hubs.check_in_self(member, "shibuya", SelfCheckinBody(), idempotency_key=None)

    clocked.clock.now = utc(2026, 11, 27, 8, 59, 59)  # 17:59:59 JST
    assert await auto_checkout(clocked.ctx) == 0
    clocked.clock.now = utc(2026, 11, 27, 9, 0, 30)  # 18:00:30 JST
    assert await auto_checkout(clocked.ctx) == 1
    assert await auto_checkout(clocked.ctx) == 0  # nothing twice
    ended = await clocked.services.db["checkins"].find_one({"_id": visitor.id})
    assert ended is not None
    assert ended["checked_out_at"] == utc(2026, 11, 27, 9, 0)
    assert ended["ended_by"] == "closing"
    assert await hubs.occupancy("bandai") == 0
    assert await hubs.occupancy("shibuya") == 1

    clocked.clock.now = utc(2026, 11, 27, 12, 1)  # 21:01 JST
    assert await auto_checkout(clocked.ctx) == 1
    shibuya = await clocked.services.db["checkins"].find_one({"_id": own.id})
    assert shibuya is not None and shibuya["checked_out_at"] == utc(2026, 11, 27, 12, 0)
    events = await clocked.services.events.since("hub:bandai", 0)
    assert [e.event for e in events][-2:] == ["checkin.ended", "hub.occupancy"]
    assert events[-1].data["occupancy"] == 0


async def test_closing_follows_the_hubs_time_zone(clocked: Clocked, make_user: UserFactory) -> None:
    hubs = clocked.services.hubs.service
    admin = await clocked.principal(await make_user("admin"))
    # Berlin is UTC+1 in November: closing at 18:00 there is 17:00 UTC, not 09:00 UTC as in Tokyo.
    await clocked.services.hubs.admin.update_hub(admin, "bandai", HubPatch(timezone="Europe/Berlin"))
    clocked.clock.now = utc(2026, 11, 27, 8, 0)
    checkin, _ = await hubs.check_in_self(admin, "bandai", SelfCheckinBody(), idempotency_key=None)
    clocked.clock.now = utc(2026, 11, 27, 16, 59)
    assert await auto_checkout(clocked.ctx) == 0
    clocked.clock.now = utc(2026, 11, 27, 17, 0, 5)
    assert await auto_checkout(clocked.ctx) == 1
    ended = await clocked.services.db["checkins"].find_one({"_id": checkin.id})
    assert ended is not None and ended["checked_out_at"] == utc(2026, 11, 27, 17, 0)


async def test_a_check_in_after_closing_ends_at_the_next_closing(
    clocked: Clocked, make_user: UserFactory
) -> None:
    hubs = clocked.services.hubs.service
    member = await clocked.principal(await make_user("member"))
    clocked.clock.now = utc(2026, 11, 27, 13, 0)  # 22:00 JST, Shibuya closed at 21:00
    checkin, _ = await hubs.check_in_self(member, "shibuya", SelfCheckinBody(), idempotency_key=None)
    clocked.clock.now = utc(2026, 11, 28, 11, 59)
    assert await auto_checkout(clocked.ctx) == 0
    clocked.clock.now = utc(2026, 11, 28, 12, 0, 10)
    assert await auto_checkout(clocked.ctx) == 1
    ended = await clocked.services.db["checkins"].find_one({"_id": checkin.id})
    assert ended is not None and ended["checked_out_at"] == utc(2026, 11, 28, 12, 0)


async def test_retention_erases_names_and_contacts_and_keeps_counts(
    clocked: Clocked, make_user: UserFactory
) -> None:
    services = clocked.services
    hubs = services.hubs.service
    kiosk = await clocked.principal(await make_user("kiosk", hub_id="bandai"))
    member_account = await make_user("member", name="佐藤 淳一")
    member = await clocked.principal(member_account)
    start = utc(2026, 8, 1, 3, 0)  # 12:00 JST
    clocked.clock.now = start
    old, _ = await hubs.check_in_visitor(
        kiosk, "bandai", VisitorCheckinBody(**{**VISITOR, "contact": "090-1111-2222"}), idempotency_key=None
    )
    await hubs.check_in_self(member, "bandai", SelfCheckinBody(), idempotency_key=None)
    clocked.clock.now = start + timedelta(days=50)
    newer, _ = await hubs.check_in_visitor(
        kiosk, "bandai", VisitorCheckinBody(**{**VISITOR, "name": "新しい 来訪者"}), idempotency_key=None
    )

    clocked.clock.now = start + timedelta(days=89, hours=23)
    assert await purge_visitors(clocked.ctx) == 0
    clocked.clock.now = start + timedelta(days=90, minutes=1)  # DEJIMA_VISITOR_RETENTION_DAYS is 90
    assert await purge_visitors(clocked.ctx) == 1
    assert await purge_visitors(clocked.ctx) == 0

    db = services.db
    erased = await db["checkins"].find_one({"_id": old.id})
    assert erased is not None
    assert (erased["name"], erased["organization"], erased["contact"]) == (None, None, None)
    assert erased["purpose"] == "meeting" and erased["erased_at"] is not None
    kept = await db["checkins"].find_one({"_id": newer.id})
    assert kept is not None and kept["name"] == "新しい 来訪者"
    member_row = await db["checkins"].find_one({"user_id": member.id})
    assert member_row is not None and member_row["name"] == "佐藤 淳一"  # members are not visitors
    # Nothing logged still carries the erased data, so no replay with `since` brings it back.
    logged = str(await db["events"].find({"ch": "hub:bandai"}).to_list())
    assert VISITOR["name"] not in logged and "090-1111-2222" not in logged
    assert "新しい 来訪者" in logged

    stats = await services.hubs.stats.stats(
        member, "bandai", DateRangeQuery.model_validate({"from": "2026-08-01", "to": "2026-09-30"})
    )
    assert stats.total == 3
    assert stats.days[0].by_purpose == {"work": 1, "meeting": 1, "event": 0, "visit": 0, "other": 0}


async def test_an_interrupted_erasure_is_finished_by_the_next_run(
    clocked: Clocked, make_user: UserFactory
) -> None:
    services = clocked.services
    kiosk = await clocked.principal(await make_user("kiosk", hub_id="bandai"))
    clocked.clock.now = utc(2026, 11, 27, 3, 0)
    visitor, _ = await services.hubs.service.check_in_visitor(
        kiosk, "bandai", VisitorCheckinBody(**VISITOR), idempotency_key=None
    )
    # A process recorded the erasure request and died before carrying it out.
    await services.db["visitor_erasures"].insert_one(
        {
            "_id": visitor.id,
            "hub_id": "bandai",
            "reason": "request",
            "requested_at": clocked.clock.now,
            "done_at": None,
        }
    )
    assert await purge_visitors(clocked.ctx) == 1
    stored = await services.db["checkins"].find_one({"_id": visitor.id})
    assert stored is not None and stored["name"] is None


async def test_admin_erases_one_visitor_now_and_it_is_audited(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    kiosk = await make_user("kiosk", hub_id="bandai")
    admin = await make_user("admin")
    visitor = await (
        await client.post(
            "/api/hubs/bandai/checkins", json={**VISITOR, "contact": "x@example.jp"}, headers=kiosk.headers
        )
    ).json()
    response = await client.post(f"/api/checkins/{visitor['id']}/erase", headers=admin.headers)
    assert response.status == 200, await response.text()
    assert (await response.json())["id"] == visitor["id"]
    listed = await (await client.get("/api/hubs/bandai/checkins?active=true", headers=admin.headers)).json()
    assert listed[0]["name"] is None and listed[0]["erased"] is True and listed[0]["contact"] is None
    db = client.app[keys.DB]
    assert VISITOR["name"] not in str(await db["events"].find({"ch": "hub:bandai"}).to_list())
    audit = await db["audit"].find({"action": "visitor.erased"}).to_list()
    assert len(audit) == 1 and audit[0]["subject_id"] == visitor["id"]
    assert audit[0]["actor_id"] == admin.id
    member = await (await client.post("/api/hubs/bandai/checkins", json={}, headers=admin.headers)).json()
    assert (await client.post(f"/api/checkins/{member['id']}/erase", headers=admin.headers)).status == 409
