"""Real ``dejima`` processes (``python -m hub.cli ...``) against the session's servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hub.embedded import free_port
from tests.conftest import Servers

ADMIN_EMAIL = "ops-admin@dejima.test"
ADMIN_PASSWORD = "ops-admin-password-1"
START_TIMEOUT_S = 30.0


def clean_env(**settings: str) -> dict[str, str]:
    """This environment without any DEJIMA_* of the caller's, plus ``settings``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("DEJIMA_")}
    env.update(settings)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def http(
    method: str, url: str, body: dict[str, Any] | None = None, *, token: str | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - 127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


def wait_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, *, timeout_s: float = START_TIMEOUT_S
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        try:
            if http("GET", url + "/readyz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} not ready within {timeout_s} s:\n{log.read_text(errors='replace')[-3000:]}")


@dataclass
class ServeProcess:
    process: subprocess.Popen[bytes]
    url: str
    port: int
    log: Path


@pytest.fixture
def store_env(servers: Servers, database_name: str) -> Iterator[dict[str, str]]:
    """Settings for processes on this test's database (dropped afterwards)."""
    yield clean_env(
        DEJIMA_MONGODB_URL=servers.mongodb_url,
        DEJIMA_MONGODB_DATABASE=database_name,
        DEJIMA_REDIS_URL=servers.redis_url,
        DEJIMA_SECRET_KEY="ops-test-secret-" + "y" * 40,
        DEJIMA_ADMIN_EMAIL=ADMIN_EMAIL,
        DEJIMA_ADMIN_PASSWORD=ADMIN_PASSWORD,
    )
    with MongoClient(servers.mongodb_url) as client:
        client.drop_database(database_name)


ServeFactory = Callable[..., ServeProcess]


@pytest.fixture
def start_serve(store_env: dict[str, str], tmp_path: Path) -> Iterator[ServeFactory]:
    """``dejima serve --port <free>`` as a child process, ready (``/readyz`` 200) when returned."""
    started: list[ServeProcess] = []

    def factory(**extra_env: str) -> ServeProcess:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "serve", "--port", str(port)],
                env={**store_env, **extra_env},
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        served = ServeProcess(process=process, url=f"http://127.0.0.1:{port}", port=port, log=log)
        started.append(served)
        wait_ready(served.url, process, log)
        return served

    yield factory
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait()


def run_cli(*args: str, env: dict[str, str], timeout_s: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
