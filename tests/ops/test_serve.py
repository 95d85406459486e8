"""``dejima serve`` as an operator runs it: bad settings, several instances, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import pytest

from hub.embedded import EmbeddedStack, free_port
from tests.conftest import Servers
from tests.ops.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ServeFactory, clean_env, http, run_cli


def _one_line_naming(result_stderr: str, setting: str) -> None:
    lines = [line for line in result_stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result_stderr
    assert setting in lines[0]
    assert "Traceback" not in result_stderr


def test_malformed_redis_url_stops_with_one_line() -> None:
    env = clean_env(
        DEJIMA_MONGODB_URL="mongodb://127.0.0.1:27017/dejima",
        DEJIMA_REDIS_URL="nonsense",
        DEJIMA_SECRET_KEY="z" * 40,
    )
    result = run_cli("serve", "--port", str(free_port()), env=env)
    assert result.returncode != 0
    _one_line_naming(result.stderr, "DEJIMA_REDIS_URL")


def test_missing_settings_are_named_and_secrets_not_echoed() -> None:
    env = clean_env(DEJIMA_REDIS_URL="redis://127.0.0.1:6379/0", DEJIMA_SECRET_KEY="short-secret-value")
    result = run_cli("serve", env=env)
    assert result.returncode != 0
    _one_line_naming(result.stderr, "DEJIMA_MONGODB_URL")
    assert "DEJIMA_SECRET_KEY" in result.stderr
    assert "short-secret-value" not in result.stderr


def test_redis_that_does_not_answer_stops_with_one_line(servers: Servers) -> None:
    env = clean_env(
        DEJIMA_MONGODB_URL=servers.mongodb_url,
        DEJIMA_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        DEJIMA_SECRET_KEY="z" * 40,
    )
    result = run_cli("serve", "--port", str(free_port()), env=env)
    assert result.returncode == 1
    _one_line_naming(result.stderr, "DEJIMA_REDIS_URL")


@pytest.mark.slow
def test_two_instances_on_one_store_are_ready_and_share_sessions(start_serve: ServeFactory) -> None:
    first, second = start_serve(), start_serve()
    assert http("GET", first.url + "/readyz")[0] == 200
    assert http("GET", second.url + "/readyz")[0] == 200
    status, body = http(
        "POST", first.url + "/api/auth/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert status == 200
    status, me = http("GET", second.url + "/api/me", token=body["token"])
    assert (status, me["email"]) == (200, ADMIN_EMAIL)


@pytest.mark.slow
def test_sigterm_finishes_the_request_in_flight_then_exits_cleanly(
    start_serve: ServeFactory, tmp_path: Path
) -> None:
    # A MongoDB of its own, which the test pauses (SIGSTOP) to hold a real request inside its handler.
    stack = EmbeddedStack(data_dir=tmp_path / "stack", persistent=False)
    stack.start()
    mongo_pid = stack.mongo_pid
    assert mongo_pid is not None
    try:
        served = start_serve(DEJIMA_MONGODB_URL=stack.mongodb_url, DEJIMA_REDIS_URL=stack.redis_url)
        body = json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode()
        request = (
            f"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode() + body
        with socket.create_connection(("127.0.0.1", served.port), timeout=15) as client:
            os.kill(mongo_pid, signal.SIGSTOP)
            try:
                client.sendall(request)
                time.sleep(0.5)  # the handler now waits for MongoDB
                started = time.monotonic()
                served.process.send_signal(signal.SIGTERM)
                time.sleep(0.5)
                # New connections are no longer accepted...
                with pytest.raises(OSError):
                    socket.create_connection(("127.0.0.1", served.port), timeout=2).close()
                assert served.process.poll() is None
            finally:
                os.kill(mongo_pid, signal.SIGCONT)
            # ...while the request in flight is answered in full.
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200"), (answer[:300], served.log.read_text())
        assert b'"token"' in answer
        assert served.process.wait(timeout=10) == 0
        assert time.monotonic() - started < 10
        assert "Traceback" not in served.log.read_text()
    finally:
        stack.stop()
