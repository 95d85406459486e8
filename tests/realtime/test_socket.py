"""/ws as a client sees it: the three ways in, the messages, and bad input that never kills a socket."""

from __future__ import annotations

import asyncio
import json
import socket as stdlib_socket
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from websockets.exceptions import InvalidStatus

from hub import keys
from hub.events.bus import publish_rights_changed
from tests.conftest import TEST_ORIGIN, UserFactory
from tests.realtime.conftest import Connect, commit_note, commit_notes, events_of, open_boards, ws_url


async def test_bearer_subscribe_and_live_events(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    user = await make_user("member")
    ws = await connect_ws(client, token=user.token)
    subscribed = await ws.subscribe(f"user:{user.id}", ref="1")
    assert subscribed == {
        "type": "subscribed",
        "ref": "1",
        "channel": f"user:{user.id}",
        "seq": 0,
        "recovered": True,
    }
    await commit_notes(events_of(client), f"user:{user.id}", range(3))
    events = await ws.events(3)
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert events[0]["event"] == "note.created" and events[0]["data"]["n"] == 0
    assert set(events[0]) == {"type", "channel", "seq", "event", "data", "actor", "at"}
    await ws.send(type="ping", ref="p")
    assert await ws.expect("pong") == {"type": "pong", "ref": "p"}
    await ws.send(type="unsubscribe", ref="u", channel=f"user:{user.id}")
    assert await ws.expect("unsubscribed") == {
        "type": "unsubscribed",
        "ref": "u",
        "channel": f"user:{user.id}",
    }
    await commit_note(events_of(client), f"user:{user.id}", 9)
    assert [f for f in await ws.quiet(0.5) if f["type"] == "event"] == []


async def test_cookie_needs_an_allowed_origin(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    user = await make_user("member")
    cookie = {"Cookie": f"dejima_session={user.token}"}
    with pytest.raises(InvalidStatus) as refused:
        await connect_ws(client, headers=cookie, origin="http://evil.test")
    assert refused.value.response.status_code == 403
    assert json.loads(refused.value.response.body)["error"]["code"] == "forbidden"
    with pytest.raises(InvalidStatus) as no_origin:
        await connect_ws(client, headers=cookie)
    assert no_origin.value.response.status_code == 403
    ws = await connect_ws(client, headers=cookie, origin=TEST_ORIGIN)
    assert (await ws.subscribe(f"user:{user.id}"))["recovered"] is True


async def test_invalid_credentials_at_upgrade_answer_401(
    client: TestClient[Any, Any], connect_ws: Connect
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect_ws(client, token="not-a-token")
    assert refused.value.response.status_code == 401


async def test_first_message_auth(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    user = await make_user("partner")
    ws = await connect_ws(client)
    await ws.send(type="subscribe", ref="early", channel=f"user:{user.id}")
    refused = await ws.expect("error")
    assert refused["code"] == "unauthenticated" and refused["ref"] == "early"
    await ws.send(type="auth", token="wrong", ref="a0")
    assert (await ws.expect("error"))["code"] == "unauthenticated"
    await ws.send(type="auth", token=user.token, ref="a1")
    assert (await ws.expect("authenticated"))["user_id"] == user.id
    assert (await ws.subscribe(f"user:{user.id}"))["seq"] == 0


async def test_no_auth_in_time_closes_the_socket(
    client: TestClient[Any, Any], connect_ws: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hub.realtime.socket.WS_AUTH_TIMEOUT_S", 0.5)
    ws = await connect_ws(client)
    assert await ws.closed_code(within_s=5) == 1008


async def test_bad_input_is_answered_and_the_socket_stays_open(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    user, other = await make_user("member"), await make_user("member")
    ws = await connect_ws(client, token=user.token)

    await ws.ws.send("{not json")
    assert (await ws.expect("error"))["code"] == "invalid_request"
    await ws.ws.send("[1, 2]")
    assert (await ws.expect("error"))["code"] == "invalid_request"
    await ws.send(type="shout", ref="t")
    unknown = await ws.expect("error")
    assert (unknown["code"], unknown["ref"]) == ("invalid_request", "t")
    await ws.send(type="subscribe", ref="f", channel="board:b1", since=-1)
    assert (await ws.expect("error", ref="f"))["code"] == "invalid_request"
    await ws.send(type="subscribe", ref="c", channel="nonsense:1")
    assert (await ws.expect("error", ref="c"))["code"] == "not_found"
    await ws.send(type="subscribe", ref="b", channel="board:no-such-board")
    assert (await ws.expect("error", ref="b"))["code"] == "not_found"
    await ws.send(type="subscribe", ref="o", channel=f"user:{other.id}")
    theirs = await ws.expect("error", ref="o")
    assert theirs["code"] == "forbidden"

    # Still open and working.
    await ws.send(type="ping", ref="alive")
    assert (await ws.expect("pong"))["ref"] == "alive"
    await commit_note(events_of(client), f"user:{other.id}", 1)
    assert [f for f in await ws.quiet(0.3) if f["type"] == "event"] == []


async def test_frame_over_64_kib_closes_with_1009(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    user = await make_user("member")
    ws = await connect_ws(client, token=user.token)
    await ws.ws.send(json.dumps({"type": "ping", "ref": "x" * 70 * 1024}))
    assert await ws.closed_code() == 1009


async def test_a_flood_is_rate_limited_and_others_are_unaffected(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    flooder, calm = await make_user("member"), await make_user("member")
    loud = await connect_ws(client, token=flooder.token)
    quiet = await connect_ws(client, token=calm.token)

    async def flood() -> None:
        # 1,000 messages within one second.
        for i in range(1000):
            await loud.send(type="ping", ref=i)
            if i % 50 == 49:
                await asyncio.sleep(0.05)

    async def calm_pings() -> list[float]:
        delays = []
        for i in range(10):
            started = time.monotonic()
            await quiet.send(type="ping", ref=f"q{i}")
            await quiet.expect("pong", ref=f"q{i}")
            delays.append(time.monotonic() - started)
            await asyncio.sleep(0.08)
        return delays

    _, delays = await asyncio.gather(flood(), calm_pings())
    answers = await loud.quiet(1.0)
    limited = [a for a in answers if a["type"] == "error" and a["code"] == "rate_limited"]
    pongs = [a for a in answers if a["type"] == "pong"]
    assert len(pongs) + len(limited) == 1000
    assert 100 <= len(pongs) < 300  # the burst of 100, then ~50/s
    assert limited[0]["details"] == {"retry_after_s": 1}
    assert max(delays) < 0.5
    # The flooder is not disconnected: after a pause it is served again.
    await asyncio.sleep(0.2)
    await loud.send(type="ping", ref="again")
    assert (await loud.expect("pong", ref="again"))["ref"] == "again"


async def test_a_slow_reader_is_closed_with_1013_and_others_keep_receiving(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    user = await make_user("member")
    channel = f"user:{user.id}"
    # A client that stops reading: a tiny receive buffer so the server's queue fills quickly.
    raw = stdlib_socket.socket()
    raw.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_RCVBUF, 4096)  # before connecting: the window
    raw.connect(("127.0.0.1", client.port))
    slow = await connect_ws(ws_url(client), token=user.token, sock=raw, max_queue=1, max_size=None)
    healthy = await connect_ws(client, token=user.token)
    await slow.subscribe(channel)
    await healthy.subscribe(channel)
    slow.ws.transport.pause_reading()  # type: ignore[attr-defined]

    events = events_of(client)
    for n in range(60):  # 60 events of ~64 KB: ~4 MB, well over the 1 MiB queue and the kernel buffers
        await commit_note(events, channel, n, size=64_000)
        got = await healthy.events(1)
        assert got[0]["seq"] == n + 1
    slow.ws.transport.resume_reading()  # type: ignore[attr-defined]
    assert await slow.closed_code(within_s=10) == 1013


async def test_rights_are_checked_again_when_they_change(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    user = await make_user("partner")
    readers = {"b1": {user.id}}
    open_boards(client.app, readers)
    ws = await connect_ws(client, token=user.token)
    await ws.subscribe("board:b1")
    await commit_note(events_of(client), "board:b1", 1)
    assert (await ws.events(1))[0]["seq"] == 1

    readers["b1"].clear()  # removed from the project
    await publish_rights_changed(client.app[keys.REDIS], project_id="b1")
    error = await ws.expect("error")
    assert (error["code"], error["channel"]) == ("forbidden", "board:b1")
    assert (await ws.expect("unsubscribed"))["channel"] == "board:b1"
    await commit_note(events_of(client), "board:b1", 2)
    assert [f for f in await ws.quiet(0.5) if f["type"] == "event"] == []
    await ws.send(type="subscribe", ref="again", channel="board:b1")
    assert (await ws.expect("error", ref="again"))["code"] == "not_found"


async def test_a_subscription_that_stays_is_told_its_rights_changed(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    user = await make_user("partner")
    open_boards(client.app, {"b1": {user.id}})
    ws = await connect_ws(client, token=user.token)
    await ws.subscribe("board:b1")

    # Still a reader (say, a viewer made an editor): the page is told to re-read what it may do.
    await publish_rights_changed(client.app[keys.REDIS], project_id="b1")
    assert (await ws.expect("rights_changed"))["channel"] == "board:b1"
    await commit_note(events_of(client), "board:b1", 1)
    assert (await ws.events(1))[0]["seq"] == 1


async def test_logout_ends_the_sockets_of_that_session(
    client: TestClient[Any, Any], make_user: UserFactory, connect_ws: Connect
) -> None:
    user = await make_user("member")
    ws = await connect_ws(client, token=user.token)
    await ws.subscribe(f"user:{user.id}")
    assert (await client.post("/api/auth/logout", headers=user.headers)).status == 204
    assert (await ws.expect("error"))["code"] == "unauthenticated"
    assert await ws.closed_code() == 1008


async def test_shutdown_closes_sockets_with_going_away(
    make_client: Any, make_user: UserFactory, connect_ws: Connect
) -> None:
    other = await make_client()
    user = await make_user("member")
    ws = await connect_ws(other, token=user.token)
    await ws.subscribe(f"user:{user.id}")
    closing = asyncio.create_task(ws.closed_code())
    await other.close()
    assert await closing == 1001


async def test_server_heartbeats_drop_a_dead_peer(
    client: TestClient[Any, Any], make_user: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A peer that stopped answering (a pulled cable) is dropped after the heartbeat: with 30 s it is
    within 45 s (ping after 30 s idle, pong due 15 s later); here with 0.4 s to keep the test quick."""
    from websockets.client import ClientProtocol
    from websockets.uri import parse_uri

    monkeypatch.setattr("hub.realtime.socket.WS_HEARTBEAT_S", 0.4)
    user = await make_user("member")
    protocol = ClientProtocol(parse_uri(ws_url(client)))
    request = protocol.connect()
    request.headers["Authorization"] = f"Bearer {user.token}"
    protocol.send_request(request)
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    for data in protocol.data_to_send():
        writer.write(data)
    await reader.readuntil(b"\r\n\r\n")  # 101 Switching Protocols; from now on we never answer
    realtime = client.app[keys.REALTIME]
    assert len(realtime.connections) == 1
    started = time.monotonic()
    await asyncio.wait_for(reader.read(), 5)  # the server's pings go unanswered; then it hangs up
    assert time.monotonic() - started < 0.4 * 1.5 + 0.5
    await asyncio.sleep(0.05)
    assert not realtime.connections
    writer.close()
