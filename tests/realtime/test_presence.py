"""Presence on board: channels: who is here, per user with one meta per connection, across instances."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub import keys
from schemas.realtime import PresenceDiff, PresenceState
from tests.conftest import AppFactory, UserFactory
from tests.realtime.conftest import Connect, Socket, StartProcess, open_boards


def metas(members: dict[str, Any], user_id: str) -> list[dict[str, Any]]:
    return members[user_id]["metas"] if user_id in members else []


async def diff_about(socket: Socket, user_id: str, within_s: float = 5.0) -> dict[str, Any]:
    """The next presence_diff that concerns ``user_id`` (others may come and go meanwhile)."""
    deadline = time.monotonic() + within_s
    while True:
        diff = await socket.expect("presence_diff", within_s=max(0.01, deadline - time.monotonic()))
        PresenceDiff.model_validate(diff)  # the documented wire shape
        if user_id in diff["joins"] or user_id in diff["leaves"]:
            return diff


async def joined(socket: Socket, channel: str) -> dict[str, Any]:
    await socket.subscribe(channel)
    state = await socket.expect("presence_state", channel=channel)
    PresenceState.model_validate(state)  # the documented wire shape
    assert set(state) == {"type", "channel", "members"}
    return state["members"]  # type: ignore[no-any-return]


async def test_join_state_and_leave_on_close_across_instances(
    client: TestClient[Any, Any], make_client: AppFactory, make_user: UserFactory, connect_ws: Connect
) -> None:
    other = await make_client()
    open_boards(client.app)
    open_boards(other.app)
    alice, bob = await make_user("member", name="Alice"), await make_user("partner", name="Bob")
    on_first = await connect_ws(client, token=alice.token)
    members = await joined(on_first, "board:b1")
    assert list(members) == [alice.id]
    [meta] = metas(members, alice.id)
    assert members[alice.id]["name"] == "Alice"
    assert set(meta) == {"conn", "state", "since", "hub"}
    assert (meta["state"], meta["hub"]) == ({}, None)
    assert meta["since"].endswith("Z")

    on_second = await connect_ws(other, token=bob.token)
    members = await joined(on_second, "board:b1")
    assert set(members) == {alice.id, bob.id}
    diff = await on_first.expect("presence_diff")
    assert diff["channel"] == "board:b1"
    assert list(diff["joins"]) == [bob.id] and diff["leaves"] == {}
    assert diff["joins"][bob.id]["name"] == "Bob"

    await on_second.close()
    started = time.monotonic()
    diff = await on_first.expect("presence_diff", within_s=2.0)
    assert time.monotonic() - started < 2.0
    assert (diff["joins"], list(diff["leaves"])) == ({}, [bob.id])


async def test_two_tabs_are_one_user_with_two_metas(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    open_boards(client.app)
    alice, bob = await make_user("member"), await make_user("member")
    tab1, tab2 = await connect_ws(client, token=alice.token), await connect_ws(client, token=alice.token)
    await joined(tab1, "board:b1")
    await joined(tab2, "board:b1")
    watcher = await connect_ws(client, token=bob.token)
    members = await joined(watcher, "board:b1")
    assert set(members) == {alice.id, bob.id}
    assert len(metas(members, alice.id)) == 2
    assert len({m["conn"] for m in metas(members, alice.id)}) == 2

    await tab2.close()
    diff = await watcher.expect("presence_diff", within_s=2.0)
    assert list(diff["leaves"]) == [alice.id] and len(diff["leaves"][alice.id]["metas"]) == 1
    # Alice is still here with her other tab.
    late = await connect_ws(client, token=bob.token)
    assert len(metas(await joined(late, "board:b1"), alice.id)) == 1


async def test_presence_update_replaces_this_connections_state(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    open_boards(client.app)
    alice, bob = await make_user("member"), await make_user("member")
    editor = await connect_ws(client, token=alice.token)
    [before] = metas(await joined(editor, "board:b1"), alice.id)
    watcher = await connect_ws(client, token=bob.token)
    await joined(watcher, "board:b1")

    await editor.send(type="presence.update", channel="board:b1", state={"editing": "card-7"})
    diff = await watcher.expect("presence_diff")
    [left] = diff["leaves"][alice.id]["metas"]
    [came] = diff["joins"][alice.id]["metas"]
    assert left == before
    assert came == {**before, "state": {"editing": "card-7"}}

    await editor.send(type="presence.update", ref="big", channel="board:b1", state={"x": "y" * 2000})
    assert (await editor.expect("error", ref="big"))["code"] == "invalid_request"
    await editor.send(type="presence.update", ref="nope", channel="board:b2", state={})
    assert (await editor.expect("error", ref="nope"))["code"] == "invalid_request"


async def test_check_ins_update_the_hub_of_every_meta(
    client: TestClient[Any, Any], make_client: AppFactory, make_user: UserFactory, connect_ws: Connect
) -> None:
    other = await make_client()
    open_boards(client.app)
    open_boards(other.app)
    alice, bob = await make_user("member"), await make_user("member")
    alice_ws = await connect_ws(other, token=alice.token)
    await joined(alice_ws, "board:b1")
    watcher = await connect_ws(client, token=bob.token)
    await joined(watcher, "board:b1")

    # The hubs code calls this on a check-in, from whichever instance or worker handles it.
    await client.app[keys.SERVICES].presence.set_user_hub(alice.id, "bandai")
    diff = await diff_about(watcher, alice.id)
    assert [m["hub"] for m in diff["leaves"][alice.id]["metas"]] == [None]
    assert [m["hub"] for m in diff["joins"][alice.id]["metas"]] == ["bandai"]
    newcomer = await connect_ws(client, token=bob.token)
    assert metas(await joined(newcomer, "board:b1"), alice.id)[0]["hub"] == "bandai"

    await client.app[keys.SERVICES].presence.set_user_hub(alice.id, None)
    diff = await diff_about(watcher, alice.id)
    assert [m["hub"] for m in diff["joins"][alice.id]["metas"]] == [None]


@pytest.mark.slow
async def test_connections_of_a_killed_instance_leave_within_10_s(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect, start_instance: StartProcess
) -> None:
    open_boards(client.app)
    alice, carol = await make_user("member"), await make_user("member")
    doomed = start_instance(boards=True)
    on_doomed = await connect_ws(doomed.url, token=carol.token)
    await joined(on_doomed, "board:b1")
    watcher = await connect_ws(client, token=alice.token)
    assert carol.id in await joined(watcher, "board:b1")

    doomed.kill()
    started = time.monotonic()
    diff = await watcher.expect("presence_diff", within_s=10.0)
    assert list(diff["leaves"]) == [carol.id]
    assert time.monotonic() - started < 10.0
