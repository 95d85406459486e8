"""Every event reaches every subscriber once and in order, on any instance; a returning client gets
exactly what it missed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub import keys
from hub.principal import Principal
from hub.realtime.channels import ChannelKind, Grant
from schemas.events import Change, Event
from tests.conftest import AppFactory, UserFactory
from tests.realtime.conftest import Connect, commit_note, commit_notes, events_of


async def test_two_instances_deliver_concurrent_changes_gap_free_and_in_order(
    make_client: AppFactory, make_user: UserFactory, connect_ws: Connect
) -> None:
    first, second = await make_client(), await make_client()
    user = await make_user("member")
    channel = f"user:{user.id}"
    on_first = await connect_ws(first, token=user.token)
    on_second = await connect_ws(second, token=user.token)
    await on_first.subscribe(channel)
    await on_second.subscribe(channel)

    # 500 changes, half accepted by each instance, 4 at a time: writers race for every seq.
    gate = asyncio.Semaphore(4)

    async def change(n: int) -> int:
        async with gate:
            return await commit_note(events_of((first, second)[n % 2]), channel, n)

    seqs = await asyncio.gather(*(change(n) for n in range(500)))
    assert sorted(seqs) == list(range(1, 501))
    for socket in (on_first, on_second):
        received = await socket.events(500, within_s=30)
        assert [e["seq"] for e in received] == list(range(1, 501))
        assert sorted(e["data"]["n"] for e in received) == list(range(500))
    # and nothing more: no repeat arrives late
    assert [f for f in await on_first.quiet(0.3) if f["type"] == "event"] == []


async def test_recovery_with_since_gets_exactly_what_was_missed(
    make_client: AppFactory, client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    other = await make_client()
    user = await make_user("member")
    channel = f"user:{user.id}"
    events = events_of(client)
    await commit_notes(events, channel, range(5))

    ws = await connect_ws(client, token=user.token)
    await ws.subscribe(channel, since=0)
    assert [e["seq"] for e in await ws.events(5)] == [1, 2, 3, 4, 5]
    await ws.close()

    await commit_notes(events, channel, range(5, 105))  # 100 changes while away

    back = await connect_ws(other, token=user.token)  # to the other instance, as after a failover
    subscribed = await back.subscribe(channel, since=5)
    assert (subscribed["seq"], subscribed["recovered"]) == (105, True)
    assert "from" not in subscribed
    missed = await back.events(100)
    assert [e["seq"] for e in missed] == list(range(6, 106))
    assert [e["data"]["n"] for e in missed] == list(range(5, 105))
    assert [f for f in await back.quiet(0.3) if f["type"] == "event"] == []


async def test_changes_during_recovery_are_neither_lost_nor_repeated(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hub.realtime.registry.WS_CATCH_UP_PAGE", 40)  # many pages, few events
    user = await make_user("member")
    channel = f"user:{user.id}"
    events = events_of(client)
    await commit_notes(events, channel, range(250))

    ws = await connect_ws(client, token=user.token)
    writer = asyncio.create_task(commit_notes(events, channel, range(250, 400)))
    await asyncio.sleep(0.1)
    subscribed = await ws.subscribe(channel, since=10)
    assert subscribed["recovered"] is True
    assert 250 <= subscribed["seq"] < 400  # events were being committed while it caught up
    await writer
    received = await ws.events(390, within_s=30)
    assert [e["seq"] for e in received] == list(range(11, 401))


async def test_since_older_than_retention_is_not_recovered(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    user = await make_user("member")
    channel = f"user:{user.id}"
    events = events_of(client)
    await commit_notes(events, channel, range(60))
    # Retention removed the oldest events (the TTL index would, after 7 days).
    await client.app[keys.DB]["events"].delete_many({"ch": channel, "seq": {"$lte": 50}})

    ws = await connect_ws(client, token=user.token)
    subscribed = await ws.subscribe(channel, since=10)
    assert subscribed == {
        "type": "subscribed",
        "ref": "s",
        "channel": channel,
        "seq": 60,
        "recovered": False,
        "from": 51,
    }
    # No partial history; live events continue from the head.
    assert [f for f in await ws.quiet(0.3) if f["type"] == "event"] == []
    await commit_note(events, channel, 60)
    assert [e["seq"] for e in await ws.events(1)] == [61]
    # A since within what is kept still recovers.
    again = await connect_ws(client, token=user.token)
    assert (await again.subscribe(channel, since=55))["recovered"] is True
    assert [e["seq"] for e in await again.events(6)] == [56, 57, 58, 59, 60, 61]


async def test_a_lost_publish_is_filled_from_the_log(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    """A writer that logged and applied an event but died before publishing: the head check finds it."""
    user = await make_user("member")
    channel = f"user:{user.id}"
    ws = await connect_ws(client, token=user.token)
    await ws.subscribe(channel)
    events = events_of(client)
    await commit_note(events, channel, 1)
    silent = type(events)(client.app[keys.DB])  # no sink: publishes nothing, like a writer killed before it
    await commit_note(silent, channel, 2)
    received = await ws.events(2, within_s=5)  # the 2 s head check delivers #2 without any new event
    assert [e["seq"] for e in received] == [1, 2]
    await commit_note(events, channel, 3)
    assert [e["seq"] for e in await ws.events(1)] == [3]


async def test_restricted_subscribers_get_the_redacted_copy_live_and_recovered(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    """hub: channels leave visitors' names out for those who may not see them (API.md, Realtime)."""

    rights = client.app[keys.SERVICES].rights

    async def check(principal: Principal, hub_id: str) -> Grant:
        return Grant(full=rights.may_see_visitors(principal, hub_id))

    def redact(event: Event) -> Event:
        return event.model_copy(update={"data": {k: v for k, v in event.data.items() if k != "name"}})

    client.app[keys.REALTIME].channels.replace(ChannelKind("hub", check, presence=True, redact=redact))
    staff, partner = await make_user("member"), await make_user("partner")
    events = events_of(client)

    async def check_in(name: str) -> None:
        async def decide() -> Change:
            return Change(event="checkin.created", data={"name": name, "occupancy": 3})

        await events.commit("hub:h-test", decide, actor=None)

    await check_in("Sato")
    full = await connect_ws(client, token=staff.token)
    restricted = await connect_ws(client, token=partner.token)
    await full.subscribe("hub:h-test", since=0)
    await restricted.subscribe("hub:h-test", since=0)
    await check_in("Suzuki")
    seen_full, seen_restricted = await full.events(2), await restricted.events(2)
    assert [e["data"] for e in seen_full] == [
        {"name": "Sato", "occupancy": 3},
        {"name": "Suzuki", "occupancy": 3},
    ]
    assert [e["data"] for e in seen_restricted] == [{"occupancy": 3}, {"occupancy": 3}]
    assert [e["seq"] for e in seen_full] == [e["seq"] for e in seen_restricted] == [1, 2]
