"""``dejima dev``: the whole system from nothing, demo logins that work, Ctrl-C leaves no process
behind, and a second run keeps the data of the first. Here with a relative ``--data`` from another
directory; tests/ops/test_doors.py runs the README's command with the default."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from hub.embedded import free_port
from tests.ops.conftest import clean_env, http, wait_ready

URL_LINE = re.compile(r"Dejima is running at (http://127\.0\.0\.1:\d+)/")
LOGIN_LINE = re.compile(r"^\s+(admin|member|partner|kiosk)\s+(\S+@\S+)\s+(\S+)\s*$", re.M)


class DevRun:
    def __init__(self, *, data: str, cwd: Path, port: int, output: Path) -> None:
        self.output = output
        with output.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "dev", "--port", str(port), "--data", data],
                cwd=cwd,
                env=clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for_url(self, timeout_s: float = 60.0) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = URL_LINE.search(self.text())
            if found:
                return found.group(1)
            assert self.process.poll() is None, self.text()[-3000:]
            time.sleep(0.1)
        raise AssertionError("no URL line:\n" + self.text()[-3000:])

    def stop_with_ctrl_c(self) -> None:
        children = psutil.Process(self.process.pid).children(recursive=True)
        assert len(children) >= 3, children  # nx-27017, redis-server, the worker at least
        self.process.send_signal(signal.SIGINT)
        assert self.process.wait(timeout=30) == 0, self.text()[-3000:]
        _, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"orphans left behind: {alive}"

    def kill(self) -> None:
        if self.process.poll() is None:
            for child in psutil.Process(self.process.pid).children(recursive=True):
                child.kill()
            self.process.kill()
            self.process.wait()


@pytest.mark.slow
def test_dev_runs_everything_stops_cleanly_and_keeps_its_data(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    data = "dejima-data"  # relative to the directory the command is typed in
    first = DevRun(data=data, cwd=elsewhere, port=free_port(), output=tmp_path / "first.log")
    try:
        url = first.wait_for_url()
        wait_ready(url, first.process, first.output)
        logins = LOGIN_LINE.findall(first.text())
        roles = {role for role, _, _ in logins}
        assert {"admin", "member", "partner", "kiosk"} <= roles, first.text()
        _, email, password = next(login for login in logins if login[0] == "admin")
        status, body = http("POST", url + "/api/auth/login", {"email": email, "password": password})
        assert status == 200, body
        token = body["token"]
        first.stop_with_ctrl_c()
    finally:
        first.kill()

    assert (elsewhere / data / "mongo").is_dir()
    second = DevRun(data=data, cwd=elsewhere, port=free_port(), output=tmp_path / "second.log")
    try:
        url = second.wait_for_url()
        wait_ready(url, second.process, second.output)
        # The session opened in the first run is still in the database.
        status, me = http("GET", url + "/api/me", token=token)
        assert (status, me["email"]) == (200, email)
        second.stop_with_ctrl_c()
    finally:
        second.kill()
