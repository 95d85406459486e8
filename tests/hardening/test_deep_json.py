"""JSON nested deeper than 32 levels: 400 ``invalid_request`` on every REST body (sign-in included,
without an account) and an ``error`` reply on ``/ws`` with the socket still open — never a 500."""

from __future__ import annotations

import json

import pytest

from tests.conftest import UserFactory
from tests.hardening.conftest import Client, error_of
from tests.realtime.conftest import Connect

DEEP = "[" * 50_000 + "]" * 50_000


def nested(depth: int) -> str:
    """``{"a": {"a": … 1 …}}``: ``depth`` levels of objects."""
    return '{"a":' * (depth - 1) + '{"a":1' + "}" * depth


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/projects", "/api/hubs/bandai/checkins"])
async def test_deep_bodies_are_400_everywhere(client: Client, person: UserFactory, path: str) -> None:
    member = await person("member")
    headers = {"Content-Type": "application/json", **({} if path.endswith("login") else member.headers)}
    for body in (DEEP, nested(33), '["' + "[" * 40 + '",' + "[" * 33 + "]" * 33 + "]"):
        error = await error_of(await client.post(path, data=body, headers=headers), 400)
        assert error["code"] == "invalid_request"
        assert "32" in error["message"]
    if path != "/api/projects":
        return
    # Brackets inside strings are text, not nesting.
    title = "[[[[{{{{" * 10
    response = await client.post(
        "/api/projects", data=json.dumps({"title": title, "visibility": "public"}), headers=headers
    )
    assert response.status == 201, await response.text()
    # 32 levels parse: the body is then simply not a project (422, a field error), not refused as deep.
    error = await error_of(await client.post("/api/projects", data=nested(32), headers=headers), 422)
    assert error["details"]["fields"]


async def test_a_deep_socket_message_gets_an_error_and_the_socket_stays_open(
    client: Client, person: UserFactory, connect_ws: Connect
) -> None:
    member = await person("member")
    socket = await connect_ws(client, token=member.token)
    await socket.send(type="ping", ref="before")
    assert (await socket.expect("pong"))["ref"] == "before"
    await socket.ws.send("[" * 20_000 + "]" * 20_000)  # 40 KB, under the 64 KiB frame limit
    reply = await socket.recv()
    assert reply["type"] == "error" and reply["code"] == "invalid_request", reply
    await socket.ws.send('{"type": "ping", "ref": "after", "x": ' + nested(40) + "}")
    reply = await socket.recv()
    assert reply["type"] == "error" and reply["code"] == "invalid_request", reply
    await socket.send(type="ping", ref="after")
    assert (await socket.expect("pong"))["ref"] == "after"
