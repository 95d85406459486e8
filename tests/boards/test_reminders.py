"""Due reminders with the test's clock and two workers sweeping side by side: one ``card.due_soon``
and one ``card.overdue`` per due value, to assignees and followers, as notifications and as events of
the board (what partner webhooks receive); none for a card that is done or archived; a new due arms
both again; quiet hours hold the e-mail but not the in-app record."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from hub import keys
from hub.services import Services, build_services
from hub.settings import Settings
from tests.boards.conftest import Board, BoardFactory, Client, add_card, add_column
from tests.conftest import Account, UserFactory
from tests.notifications import fixtures
from tests.notifications.fakes import FakeClock, Mailbox, WebhookReceiver
from tests.notifications.fixtures import deliver_all

# The notification tests' fixtures: this module's apps talk to a real SMTP server, on the test's clock.
settings = fixtures.settings
mailbox = fixtures.mailbox
line_api = fixtures.line_api
clock = fixtures.clock
run_worker = fixtures.run_worker
receiver = fixtures.receiver

# 2026-11-26 12:00 in Tokyo.
DUE = "2026-11-26T12:00:00+09:00"


async def _workers(client: Client, settings: Settings, clock: FakeClock) -> list[Services]:
    """Two workers' services on the test's database, with the test's clock."""
    app: Services = client.app[keys.SERVICES]
    return [build_services(settings=settings, db=app.db, redis=app.redis, clock=clock) for _ in range(2)]


async def _sweep(workers: list[Services], rounds: int = 2) -> None:
    for _ in range(rounds):
        await asyncio.gather(*(worker.boards.reminders.sweep() for worker in workers))


async def _reminders(client: Client) -> Counter[tuple[str, str]]:
    docs = (
        await client.app[keys.DB]["notifications"]
        .find({"kind": {"$in": ["card.due_soon", "card.overdue"]}})
        .to_list()
    )
    return Counter((doc["user_id"], doc["kind"]) for doc in docs)


async def _events(client: Client, board: Board) -> list[str]:
    events = await client.app[keys.SERVICES].events.since(f"board:{board.id}", 0)
    return [event.event for event in events if event.event in ("card.due_soon", "card.overdue")]


async def _patch(client: Client, card: dict[str, Any], who: Account, **fields: Any) -> dict[str, Any]:
    response = await client.patch(
        f"/api/cards/{card['id']}", json={"version": card["version"], **fields}, headers=who.headers
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def _mark_done(client: Client, card: dict[str, Any], who: Account) -> None:
    response = await client.patch(
        f"/api/cards/{card['id']}", json={"version": card["version"], "due_done": True}, headers=who.headers
    )
    if response.status == 422:
        # ``due_done`` arrives with checklists (another change); until then, as its PATCH stores it.
        await client.app[keys.DB]["cards"].update_one({"_id": card["id"]}, {"$set": {"due_done": True}})
    else:
        assert response.status == 200, await response.text()


async def test_one_due_soon_and_one_overdue_per_due_value_with_two_workers(
    client: Client,
    board: Board,
    settings: Settings,
    clock: FakeClock,
) -> None:
    clock.set(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))  # 11:00 in Tokyo, 25 hours before
    workers = await _workers(client, settings, clock)
    todo = await add_column(client, board)
    card = await add_card(client, board, todo["id"], due=DUE, assignees=[board.editor.id])
    await client.put(f"/api/cards/{card['id']}/follow", headers=board.viewer.headers)
    owner, editor, viewer = board.owner.id, board.editor.id, board.viewer.id

    await _sweep(workers)
    assert await _reminders(client) == Counter()

    clock.set(datetime(2026, 11, 25, 3, 0, 1, tzinfo=UTC))  # less than 24 hours before
    await _sweep(workers, rounds=3)
    soon = {(who, "card.due_soon"): 1 for who in (owner, editor, viewer)}
    assert await _reminders(client) == Counter(soon)
    assert await _events(client, board) == ["card.due_soon"]

    clock.set(datetime(2026, 11, 26, 3, 0, 1, tzinfo=UTC))  # the due moment has passed
    await _sweep(workers, rounds=3)
    over = {(who, "card.overdue"): 1 for who in (owner, editor, viewer)}
    assert await _reminders(client) == Counter({**soon, **over})
    assert await _events(client, board) == ["card.due_soon", "card.overdue"]
    note = await client.app[keys.DB]["notifications"].find_one({"user_id": editor, "kind": "card.overdue"})
    assert note["data"]["card_id"] == card["id"] and note["data"]["due"] == DUE

    # A new due (a date: the end of 27 November in Tokyo) arms both again.
    card = await (await client.get(f"/api/cards/{card['id']}", headers=board.owner.headers)).json()
    await _patch(client, card, board.owner, due="2026-11-27")
    clock.set(datetime(2026, 11, 26, 14, 59, tzinfo=UTC))  # 24 h 1 min before 28 Nov 00:00 in Tokyo
    await _sweep(workers)
    assert await _events(client, board) == ["card.due_soon", "card.overdue"]
    clock.set(datetime(2026, 11, 26, 15, 0, 1, tzinfo=UTC))
    await _sweep(workers)
    clock.set(datetime(2026, 11, 27, 15, 0, 1, tzinfo=UTC))
    await _sweep(workers)
    assert await _events(client, board) == ["card.due_soon", "card.overdue"] * 2
    assert sum((await _reminders(client)).values()) == 12


async def test_no_reminder_for_a_done_or_archived_card_nor_a_due_in_the_past_twice(
    client: Client,
    board: Board,
    settings: Settings,
    clock: FakeClock,
) -> None:
    clock.set(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    workers = await _workers(client, settings, clock)
    todo = await add_column(client, board)
    done = await add_card(client, board, todo["id"], "Done", due=DUE)
    archived = await add_card(client, board, todo["id"], "Archived", due=DUE)
    late = await add_card(client, board, todo["id"], "Late", due="2026-11-24")  # ended yesterday
    await _mark_done(client, done, board.owner)
    response = await client.post(f"/api/cards/{archived['id']}/archive", json={}, headers=board.owner.headers)
    assert response.status == 200

    await _sweep(workers)
    # Only the card whose due has passed already: overdue at once, and no "soon" after the fact.
    assert await _reminders(client) == Counter({(board.owner.id, "card.overdue"): 1})
    clock.set(datetime(2026, 11, 27, 0, 0, tzinfo=UTC))
    await _sweep(workers)
    assert await _reminders(client) == Counter({(board.owner.id, "card.overdue"): 1})
    docs = await client.app[keys.DB]["notifications"].find({}).to_list()
    assert {doc["data"]["card_id"] for doc in docs} == {late["id"]}


async def test_quiet_hours_hold_the_email_of_a_reminder_not_its_record(
    client: Client,
    make_board: BoardFactory,
    settings: Settings,
    clock: FakeClock,
    mailbox: tuple[Mailbox, int],
) -> None:
    box, _ = mailbox
    board = await make_board()
    quiet = {"email": True, "line": False, "quiet_hours": {"start": "22:00", "end": "07:00"}, "locale": "ja"}
    response = await client.put("/api/me/preferences", json=quiet, headers=board.owner.headers)
    assert response.status == 200
    todo = await add_column(client, board)
    await add_card(client, board, todo["id"], "夜の締切", due="2026-11-26T23:30:00+09:00")
    clock.set(datetime(2026, 11, 25, 14, 30, 1, tzinfo=UTC))  # 23:30 in Tokyo: quiet hours
    [worker, _] = await _workers(client, settings, clock)
    await _sweep([worker])
    await deliver_all(worker, wait_s=0)
    listed = await (await client.get("/api/notifications", headers=board.owner.headers)).json()
    assert [n["kind"] for n in listed] == ["card.due_soon"]
    assert box.to(board.owner.email) == []

    clock.set(datetime(2026, 11, 25, 22, 0, tzinfo=UTC))  # 07:00 in Tokyo
    await deliver_all(worker, wait_s=0)
    [mail] = box.to(board.owner.email)
    body = mail.get_body(("plain",))
    assert body is not None and "夜の締切" in body.get_content()


async def test_two_real_workers_send_a_due_reminder_once(
    client: Client,
    board: Board,
    settings: Settings,
    clock: FakeClock,
    run_worker: fixtures.WorkerFactory,
) -> None:
    clock.set(datetime(2026, 11, 25, 3, 0, 1, tzinfo=UTC))  # DUE is less than 24 hours away
    todo = await add_column(client, board)
    await add_card(client, board, todo["id"], due=DUE, assignees=[board.editor.id])
    # Both workers run the reminder cron at start, on the test's clock.
    for _ in range(2):
        await run_worker(ctx={"settings": settings, "clock": clock})

    async def reminded() -> bool:
        return bool(await _reminders(client))

    await fixtures.eventually(reminded, timeout_s=15)
    await asyncio.sleep(1.0)  # room for a second one, which must not come
    assert await _reminders(client) == Counter(
        {(board.owner.id, "card.due_soon"): 1, (board.editor.id, "card.due_soon"): 1}
    )
    assert await _events(client, board) == ["card.due_soon"]


async def test_partners_receive_the_reminders_as_webhook_events(
    client: Client,
    make_board: BoardFactory,
    person: UserFactory,
    settings: Settings,
    clock: FakeClock,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    fake, url = receiver
    admin = await person("admin")
    response = await client.post(
        "/api/orgs", json={"name": "Partner Co", "kind": "company"}, headers=admin.headers
    )
    org = (await response.json())["id"]
    partner = await person("partner", org_id=org)
    response = await client.post(
        f"/api/orgs/{org}/webhooks",
        json={"url": url, "events": ["card.due_soon", "card.overdue"]},
        headers=partner.headers,
    )
    assert response.status == 201, await response.text()
    fake.secrets = [(await response.json())["secret"]]
    board = await make_board("public")
    todo = await add_column(client, board)
    card = await add_card(client, board, todo["id"], due=DUE)
    clock.set(datetime(2026, 11, 26, 3, 0, 1, tzinfo=UTC))  # past due: overdue only
    [worker, _] = await _workers(client, settings, clock)
    await _sweep([worker])
    app: Services = client.app[keys.SERVICES]
    await app.webhooks.follower.run_once()
    await deliver_all(app)
    assert [(d["payload"]["type"], d["payload"]["data"]["id"]) for d in fake.delivered] == [
        ("card.overdue", card["id"])
    ]


async def test_cards_due_before_reminders_existed_are_armed_once_at_start(
    client: Client, board: Board, settings: Settings, clock: FakeClock
) -> None:
    todo = await add_column(client, board)
    future = await add_card(client, board, todo["id"], "Future")
    past = await add_card(client, board, todo["id"], "Past")
    db = client.app[keys.DB]
    # As a 1.0 card was stored: a date string, no moment, no reminder document.
    for card, due in ((future, "2026-11-26"), (past, "2026-11-01")):
        await db["cards"].update_one({"_id": card["id"]}, {"$set": {"due": due}})
    await db["migrations"].delete_many({})
    clock.set(datetime(2026, 11, 25, 15, 0, 1, tzinfo=UTC))  # 24 h before the end of 26 Nov in Tokyo
    [worker, _] = await _workers(client, settings, clock)
    assert await worker.boards.reminders.migrate() == 2
    assert await worker.boards.reminders.migrate() == 0
    doc = await db["cards"].find_one({"_id": future["id"]})
    assert doc["due_at"].replace(tzinfo=UTC) == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    await _sweep([worker])
    # The future one is reminded; the one long past is not told overdue by a deployment.
    assert await _reminders(client) == Counter({(board.owner.id, "card.due_soon"): 1})
