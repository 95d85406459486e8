"""The doors people use, tried as they use them: the README's first command typed in a fresh clone
(with its default data folder and port), and a wheel built from the repository installed into a fresh
virtual environment and run from an unrelated directory. Nothing here hands the code a path or a
setting that a person would not."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from hub.embedded import free_port
from tests.ops.conftest import http, wait_ready

ROOT = Path(__file__).resolve().parents[2]
# `dejima dev`'s default port, as the README promises it.
README_URL = "http://127.0.0.1:8080"
# A fresh clone sets up its own virtual environment first (pip from the package index).
SETUP_TIMEOUT_S = 600.0

# Each sets up a fresh environment with pip first: minutes on a loaded machine, not seconds.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _git(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


def fresh_clone(dest: Path, scratch: Path) -> Path:
    """A `git clone` of this working tree as it is now: tracked changes and new files included (they
    are committed to a throwaway commit through a private index, leaving the real index alone)."""
    index = scratch / "index"
    env = {
        **os.environ,
        "GIT_INDEX_FILE": str(index),
        "GIT_AUTHOR_NAME": "doors",
        "GIT_AUTHOR_EMAIL": "doors@dejima.test",
        "GIT_COMMITTER_NAME": "doors",
        "GIT_COMMITTER_EMAIL": "doors@dejima.test",
    }
    _git("read-tree", "HEAD", env=env)
    _git("add", "-A", ".", env=env)
    tree = _git("write-tree", env=env)
    commit = _git("commit-tree", tree, "-p", "HEAD", "-m", "working tree", env=env)
    _git("clone", "--quiet", "--no-checkout", str(ROOT), str(dest))
    _git("checkout", "--quiet", commit, cwd=dest)
    return dest


def readme_first_command() -> str:
    """The first line of the README's first shell block, exactly as written (comment and all)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert block, "the README starts with a block of commands"
    return block.group(1).splitlines()[0]


def _processes_in(folder: Path) -> list[psutil.Process]:
    """Every process started from, or working inside, ``folder``."""
    found = []
    for process in psutil.process_iter(["cmdline", "cwd"]):
        with_cwd = process.info.get("cwd") or ""
        cmdline = " ".join(process.info.get("cmdline") or [])
        if with_cwd.startswith(str(folder)) or str(folder) in cmdline:
            found.append(process)
    return found


class Typed:
    """A command typed in a terminal: its own process group, so Ctrl-C reaches every process of it."""

    def __init__(self, command: str, *, cwd: Path, log: Path) -> None:
        self.log = log
        env = {name: value for name, value in os.environ.items() if not name.startswith("DEJIMA_")}
        # What a shell gives a person: no virtual environment of the test run on the PATH.
        env["PATH"] = os.pathsep.join(
            part for part in env.get("PATH", "").split(os.pathsep) if not part.startswith(sys.prefix)
        )
        env.pop("VIRTUAL_ENV", None)
        with log.open("wb") as sink:
            self.process = subprocess.Popen(  # noqa: S602 - the README's line, run as a person types it
                command,
                shell=True,
                executable="/bin/bash",
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if re.search(pattern, self.text()):
                return
            assert self.process.poll() is None, self.text()[-4000:]
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} not seen within {timeout_s:.0f} s:\n{self.text()[-4000:]}")

    def ctrl_c(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=60)

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def port_8080_free() -> Iterator[None]:
    status = None
    try:
        with urllib.request.urlopen(README_URL + "/healthz", timeout=2) as response:  # noqa: S310
            status = response.status
    except OSError:
        pass
    assert status is None, "something already answers on 127.0.0.1:8080; the README's command needs it"
    yield


def test_the_readme_first_command_in_a_fresh_clone(tmp_path: Path, port_8080_free: None) -> None:
    clone = fresh_clone(tmp_path / "dejima", tmp_path)
    command = readme_first_command()
    assert command.split()[0] == "scripts/dev", command

    first = Typed(command, cwd=clone, log=tmp_path / "first.log")
    try:
        first.wait_for(r"Dejima is running at http://127\.0\.0\.1:8080/", SETUP_TIMEOUT_S)
        wait_ready(README_URL, first.process, first.log, timeout_s=60)
        text = first.text()
        # The two-hub idea in the first minute: both kiosks and the wall.
        for address in ("/kiosk/bandai", "/kiosk/shibuya", "/wall"):
            assert README_URL + address in text, text
        admin = re.search(r"(?m)^\s+admin\s+(\S+@\S+)\s+(\S+)\s*$", text)
        assert admin, text
        status, body = http("POST", README_URL + "/api/auth/login", {"email": admin[1], "password": admin[2]})
        assert status == 200, body
        token = body["token"]
        status, project = http(
            "POST",
            README_URL + "/api/projects",
            {"title": "二回目にも残る", "summary": "", "visibility": "internal"},
            token=token,
        )
        assert status == 201, project
        first.ctrl_c()
        assert first.process.returncode == 0, first.text()[-4000:]
        _, alive = psutil.wait_procs(_processes_in(clone), timeout=15)
        assert not alive, f"left behind after Ctrl-C: {alive}"
    finally:
        first.kill()
    # The default data folder is the clone's own .dejima/.
    assert (clone / ".dejima" / "mongo").is_dir()

    second = Typed(command, cwd=clone, log=tmp_path / "second.log")
    try:
        second.wait_for(r"Dejima is running at", SETUP_TIMEOUT_S)
        wait_ready(README_URL, second.process, second.log, timeout_s=60)
        status, projects = http("GET", README_URL + "/api/projects", token=token)
        assert status == 200, projects
        assert project["id"] in [p["id"] for p in projects], projects
        second.ctrl_c()
        assert second.process.returncode == 0, second.text()[-4000:]
        _, alive = psutil.wait_procs(_processes_in(clone), timeout=15)
        assert not alive, f"left behind after Ctrl-C: {alive}"
    finally:
        second.kill()


def test_an_installed_wheel_serves_everything_from_any_directory(
    tmp_path: Path, store_env: dict[str, str]
) -> None:
    clone = fresh_clone(tmp_path / "dejima", tmp_path)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(clone)],
        check=True,
        timeout=SETUP_TIMEOUT_S,
        capture_output=True,
    )
    (wheel,) = wheels.glob("dejima-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
        check=True,
        timeout=SETUP_TIMEOUT_S,
        capture_output=True,
    )
    dejima = venv / "bin" / "dejima"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**store_env, "PYTHONPATH": ""}

    version = subprocess.run(
        [str(dejima), "--version"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60
    )
    assert version.returncode == 0 and re.fullmatch(r"dejima \d+\.\d+\.\d+\S*\n", version.stdout), version

    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(dejima), "serve", "--port", str(port)],
            cwd=elsewhere,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log, timeout_s=60)
        for path in ("/", "/login", "/static/app.js", "/static/pages/board.js", "/api/openapi.json"):
            with urllib.request.urlopen(url + path, timeout=10) as response:  # noqa: S310 - 127.0.0.1
                assert response.status == 200, path
                assert response.read(), path
        # The styles and scripts a page names (versioned URLs, hub/web/assets.py) are the installed files.
        with urllib.request.urlopen(url + "/login", timeout=10) as response:  # noqa: S310 - 127.0.0.1
            named = re.findall(r'(?:href|src)="(/static/v/[0-9a-f]+/[^"]+)"', response.read().decode())
        assert any(path.endswith("/app.js") for path in named), named
        for path in named:
            with urllib.request.urlopen(url + path, timeout=10) as response:  # noqa: S310 - 127.0.0.1
                assert response.status == 200 and response.read(), path
                assert "immutable" in response.headers["Cache-Control"], path
        # The code that answered is the installed copy, not this checkout.
        installed = subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import hub; print(hub.__file__)"],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert str(venv) in installed, installed
    finally:
        process.terminate()
        process.wait(timeout=30)
