"""Reminders go out once, whatever number of workers run the job at once, through the real SMTP
server; registrants' names and contacts are erased after the retention period, counts stay."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from hub import keys
from hub.services import Services, build_services
from hub.settings import Settings
from schemas.gatherings import PublicRegistrationBody
from tests.conftest import UserFactory
from tests.gatherings.conftest import new_event
from tests.notifications.fakes import FakeClock, Mailbox
from tests.notifications.fixtures import deliver_all
from workers.gatherings import purge_registrants, remind_registrants


async def register_at(services: Services, event_id: str, **fields: Any) -> dict[str, Any]:
    """Register on the services' clock (the API runs on the real one)."""
    body = PublicRegistrationBody.model_validate({"name": "磐梯 花子", "consent": True, **fields})
    event = await services.gatherings.catalogue.public_doc(event_id)
    out = await services.gatherings.seats.register_public(event, body)
    return out.model_dump()


def at_clock(clock: FakeClock, hours: float) -> str:
    return (clock.now + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


async def test_reminder_once_on_one_of_three_workers(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    settings: Settings,
    timed: Services,
    clock: FakeClock,
    mailbox: tuple[Mailbox, int],
) -> None:
    host = await make_user("member")
    # The event starts 30 hours after the test clock's now: nothing is due yet.
    event = await new_event(client, host.headers, starts_at=at_clock(clock, 30), ends_at=at_clock(clock, 32))
    guest = await register_at(timed, event["id"], email="hanako@example.jp")
    waiting = await register_at(timed, event["id"], email="other@example.jp", party_size=5)
    app_services: Services = client.app[keys.SERVICES]
    workers = [
        build_services(settings=settings, db=app_services.db, redis=app_services.redis, clock=clock)
        for _ in range(3)
    ]
    ctxs = [{"services": services, "clock": clock} for services in workers]
    assert await asyncio.gather(*(remind_registrants(ctx) for ctx in ctxs)) == [0, 0, 0]
    clock.now += timedelta(hours=7)  # 23 hours before the start: due (default 24 h)
    reminded = await asyncio.gather(*(remind_registrants(ctx) for ctx in ctxs))
    assert sorted(reminded) == [0, 0, 1]
    clock.now += timedelta(minutes=30)
    assert await asyncio.gather(*(remind_registrants(ctx) for ctx in ctxs)) == [0, 0, 0]
    await deliver_all(app_services)
    box, _ = mailbox
    mails = box.to("hanako@example.jp")
    assert [("まもなく" in str(m["Subject"])) for m in mails] == [False, True]
    assert guest["code"] in mails[1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert waiting["status"] == "registered" and len(box.to("other@example.jp")) == 2


async def test_retention_erases_names_and_contacts_counts_stay(
    client: TestClient[Any, Any], make_user: UserFactory, timed: Services, clock: FakeClock
) -> None:
    host = await make_user("member")
    kiosk = await make_user("kiosk", hub_id="bandai")
    event = await new_event(client, host.headers, starts_at=at_clock(clock, -1), ends_at=at_clock(clock, 1))
    # Register and arrive on the test's clock.
    guest = await register_at(timed, event["id"], name="消える 名前", email="gone@example.jp", party_size=2)
    ctx = {"services": timed, "clock": clock}
    principal = await timed.identity.sessions.authenticate(kiosk.token)
    assert principal is not None
    await timed.hubs.service.check_in_registrant(principal, "bandai", guest["code"])

    clock.now += timedelta(days=89)
    assert await purge_registrants(ctx) == 0
    clock.now += timedelta(days=2)
    assert await purge_registrants(ctx) == 1
    assert await purge_registrants(ctx) == 0

    rows = await (await client.get(f"/api/events/{event['id']}/registrations", headers=host.headers)).json()
    assert [(r["name"], r["email"], r["party_size"], r["arrived"], r["erased"]) for r in rows] == [
        (None, None, 2, True, True)
    ]
    counts = await (await client.get(f"/api/events/{event['id']}", headers=host.headers)).json()
    assert (counts["registered"], counts["attended"]) == (2, 2)
    stored = await timed.db["events"].find({"ch": "hub:bandai"}).to_list()
    everything = json.dumps(
        [{"data": e["data"], "ops": e["ops"]} for e in stored], default=str, ensure_ascii=False
    )
    assert "gone@example.jp" not in everything
    assert "消える" not in json.dumps(
        [e["ops"] for e in stored if e["event"].startswith("event.")], default=str, ensure_ascii=False
    )
