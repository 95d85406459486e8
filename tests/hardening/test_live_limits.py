"""Issue 11, live parts: catch-up paced by the socket (item 3), sockets per user (item 10), presence
redacted for a kiosk of another hub (item 11), rights re-checked after a Redis reconnect (item 12)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from websockets.exceptions import InvalidStatus

from hub.embedded import EmbeddedStack
from hub.limits import WS_USER_SOCKETS_TTL_S
from tests.conftest import AppFactory, Servers, UserFactory
from tests.hubs.conftest import check_in
from tests.projects.conftest import create_project
from tests.realtime.conftest import (  # noqa: F401  (the fixtures)
    Connect,
    StartProcess,
    commit_note,
    commit_notes,
    connect_ws,
    events_of,
    start_instance,
)


async def test_catch_up_of_many_big_events_never_closes_a_client_that_reads(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    connect_ws: Connect,  # noqa: F811
) -> None:
    user = await make_user("member")
    channel = f"user:{user.id}"
    # 600 kept events of ~20 KB each (cards with long descriptions): 12 MB to replay, more than a
    # page (500 events, 10 MB) and ten times the 1 MiB send queue.
    total = 600
    await commit_notes(events_of(client), channel, range(total), size=20_000)
    ws = await connect_ws(client, token=user.token, max_size=None)
    subscribed = await ws.subscribe(channel, since=0)
    assert subscribed["recovered"] is True and subscribed["seq"] == total
    # Live events committed during the replay come after it, in order.
    await commit_note(events_of(client), channel, total, size=20_000)
    started = time.monotonic()
    events = await ws.events(total + 1, within_s=60)
    assert [event["seq"] for event in events] == list(range(1, total + 2))
    assert time.monotonic() - started < 60
    # Still open: a ping is answered.
    await ws.send(type="ping", ref="after")
    assert (await ws.expect("pong"))["ref"] == "after"


async def test_at_most_20_sockets_per_user_across_instances(
    client: TestClient[Any, Any],
    make_client: AppFactory,
    make_user: UserFactory,
    connect_ws: Connect,  # noqa: F811
) -> None:
    other = await make_client()
    user = await make_user("partner")
    someone_else = await make_user("partner")
    sockets = [await connect_ws(client, token=user.token) for _ in range(12)]
    sockets += [await connect_ws(other, token=user.token) for _ in range(8)]
    for target in (client, other):
        with pytest.raises(InvalidStatus) as refused:
            await connect_ws(target, token=user.token)
        response = refused.value.response
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
        assert json.loads(response.body or b"{}")["error"]["code"] == "rate_limited"
    # A socket authenticated by its first message is refused the same way, with an error and 1013.
    late = await connect_ws(other)
    await late.send(type="auth", ref="a", token=user.token)
    assert (await late.expect("error", ref="a"))["code"] == "rate_limited"
    assert await late.closed_code() == 1013
    # Others are not affected, and a closed socket frees its place.
    await connect_ws(other, token=someone_else.token)
    await sockets.pop().close()
    deadline = time.monotonic() + 5
    while True:
        try:
            await connect_ws(client, token=user.token)
            break
        except InvalidStatus:
            assert time.monotonic() < deadline, "the closed socket still counts"
            await asyncio.sleep(0.1)


async def test_presence_on_a_hub_channel_is_redacted_for_a_kiosk_of_another_hub(
    make_client: AppFactory,
    make_user: UserFactory,
    connect_ws: Connect,  # noqa: F811
) -> None:
    first, second = await make_client(), await make_client()
    member = await make_user("member", name="磐梯 花子")
    other_kiosk = await make_user("kiosk", hub_id="bandai")
    staff = await connect_ws(first, token=member.token)
    await staff.subscribe("hub:shibuya")
    await staff.expect("presence_state", channel="hub:shibuya")
    assert (await check_in(second, member.headers, "shibuya", {})).status == 201
    diff = await staff.expect("presence_diff", channel="hub:shibuya")
    assert diff["joins"][member.id]["metas"][0]["hub"] == "shibuya"  # staff see who is where

    kiosk = await connect_ws(second, token=other_kiosk.token)
    await kiosk.subscribe("hub:shibuya")
    state = await kiosk.expect("presence_state", channel="hub:shibuya")
    assert state["members"][member.id]["metas"][0]["hub"] is None
    assert "磐梯 花子" not in json.dumps(state, ensure_ascii=False)
    assert state["members"][member.id]["metas"][0]["conn"]  # still counted as a person

    # Diffs too: the member moves to Bandai, and a presence update of theirs.
    await check_in(first, member.headers, "bandai", {})
    diff = await kiosk.expect("presence_diff", channel="hub:shibuya")
    assert diff["joins"][member.id]["metas"][0]["hub"] is None
    await staff.send(type="presence.update", channel="hub:shibuya", state={"screen": "map"})
    diff = await kiosk.expect("presence_diff", channel="hub:shibuya")
    text = json.dumps(diff, ensure_ascii=False)
    assert (
        "磐梯 花子" not in text
        and '"bandai"' not in text
        and '"shibuya"' not in text.replace('"hub:shibuya"', "")
    )
    while True:  # the staff socket sees the same update with the name and hub
        staff_diff = await staff.expect("presence_diff", channel="hub:shibuya")
        joined = staff_diff["joins"].get(member.id)
        if joined and joined["metas"][0]["state"] == {"screen": "map"}:
            break
    assert joined["name"] == "磐梯 花子" and joined["metas"][0]["hub"] == "bandai"


@pytest.mark.slow
async def test_rights_lost_while_redis_was_away_reach_open_sockets_when_it_is_back(
    servers: Servers,
    client: TestClient[Any, Any],
    make_user: UserFactory,
    connect_ws: Connect,  # noqa: F811
) -> None:
    if servers.stack is None:
        pytest.skip("Redis is an outside server here; it cannot be restarted by the tests")
    stack: EmbeddedStack = servers.stack
    owner, removed, disabled = await make_user("member"), await make_user("member"), await make_user("member")
    admin = await make_user("admin")
    project = await create_project(client, owner, visibility="private")
    members = f"/api/projects/{project['id']}/members"
    for person in (removed, disabled):
        added = await client.post(
            members, json={"user_id": person.id, "role": "viewer"}, headers=owner.headers
        )
        assert added.status == 201, await added.text()
    channel = f"board:{project['board_id']}"
    removed_socket = await connect_ws(client, token=removed.token)
    disabled_socket = await connect_ws(client, token=disabled.token)
    for socket in (removed_socket, disabled_socket):
        await socket.subscribe(channel)

    stack.kill_redis()
    try:
        # Both changes are stored; their dejima:rights messages are lost with Redis.
        gone = await client.delete(f"{members}/{removed.id}", headers=owner.headers)
        assert gone.status == 200, await gone.text()
        off = await client.patch(f"/api/users/{disabled.id}", json={"disabled": True}, headers=admin.headers)
        assert off.status == 200, await off.text()
    finally:
        stack.restart_redis()
    back = time.monotonic()

    error = await removed_socket.expect("error", within_s=10)
    assert (error["code"], error["channel"]) == ("forbidden", channel)
    assert await disabled_socket.closed_code(within_s=10) == 1008
    assert time.monotonic() - back < 10
    await commit_note(events_of(client), channel, 1)
    assert [f for f in await removed_socket.quiet(1.0) if f["type"] == "event"] == []


@pytest.mark.slow
async def test_sockets_of_a_killed_instance_stop_counting(
    client: TestClient[Any, Any],
    make_user: UserFactory,
    connect_ws: Connect,  # noqa: F811
    start_instance: StartProcess,  # noqa: F811
) -> None:
    user = await make_user("member")
    doomed = start_instance()
    for _ in range(20):
        await connect_ws(doomed.url, token=user.token)
    doomed.kill()
    with pytest.raises(InvalidStatus):  # nobody closed them: they still count for now
        await connect_ws(client, token=user.token)
    killed = time.monotonic()
    while True:
        try:
            await connect_ws(client, token=user.token)
            break
        except InvalidStatus:
            assert time.monotonic() - killed < WS_USER_SOCKETS_TTL_S + 5, (
                "a dead instance's sockets count for ever"
            )
            await asyncio.sleep(0.5)
