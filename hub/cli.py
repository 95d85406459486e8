"""``dejima dev | serve | worker | seed`` (API.md, Running it)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from hub import logs
from hub.app import create_app
from hub.embedded import EmbeddedStack
from hub.errors import StartupError
from hub.hubs.model import DEFAULT_HUBS
from hub.limits import SHUTDOWN_GRACE_S
from hub.memory import reuse_freed_memory
from hub.seed import DEMO_LOGINS, seed_demo
from hub.settings import Settings, describe_errors
from workers.settings import QUEUES, run_worker

log = logging.getLogger(__name__)


def load_settings(**overrides: Any) -> Settings:
    """The settings, or one line naming what is wrong and exit status 2 (no traceback)."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        print(f"dejima: {describe_errors(error)}", file=sys.stderr)
        raise SystemExit(2) from None


def serve(settings: Settings, *, host: str, port: int) -> None:
    reuse_freed_memory()
    web.run_app(
        create_app(settings),
        host=host,
        port=port,
        shutdown_timeout=SHUTDOWN_GRACE_S,
        access_log=None,
        print=None,
    )


def worker(settings: Settings, *, queue: str) -> None:
    run_worker(settings, QUEUES if queue == "all" else tuple(q for q in QUEUES if q == queue))


def seed(settings: Settings) -> None:
    asyncio.run(seed_demo(settings))


def dev(*, port: int, data: Path) -> None:
    data = data.expanduser().resolve()
    data.mkdir(parents=True, exist_ok=True)
    stack = EmbeddedStack(data_dir=data, persistent=True)
    stack.start()
    worker_process: subprocess.Popen[bytes] | None = None
    try:
        secret_file = data / "secret_key"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(48))
            secret_file.chmod(0o600)
        origins = f"http://127.0.0.1:{port},http://localhost:{port}"
        env = {
            "DEJIMA_MONGODB_URL": stack.mongodb_url,
            "DEJIMA_REDIS_URL": stack.redis_url,
            "DEJIMA_SECRET_KEY": secret_file.read_text().strip(),
            "DEJIMA_ALLOWED_ORIGINS": origins,
            "DEJIMA_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "DEJIMA_DEV": "true",
        }
        settings = load_settings(
            mongodb_url=env["DEJIMA_MONGODB_URL"],
            redis_url=env["DEJIMA_REDIS_URL"],
            secret_key=env["DEJIMA_SECRET_KEY"],
            allowed_origins=origins,
            public_url=env["DEJIMA_PUBLIC_URL"],
            dev=True,
        )
        asyncio.run(seed_demo(settings))
        worker_process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "worker"], env={**os.environ, **env}, stdin=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        print(f"\nDejima is running at {base}/  (Ctrl-C stops everything)\n")
        print("Demo logins (e-mail / password):")
        for role, email, password in DEMO_LOGINS:
            print(f"  {role:<8} {email:<32} {password}")
        # The two-hub idea in the first minute: each hub's kiosk (signed in as that hub's kiosk
        # account) and the wall that shows both.
        print("\nThe two hubs:")
        for hub in DEFAULT_HUBS:
            print(f"  {hub['name']}  kiosk {base}/kiosk/{hub['_id']}   wall {base}/wall")
        print(f"\nData is kept in {data.resolve()}\n", flush=True)
        serve(settings, host="127.0.0.1", port=port)
    finally:
        if worker_process is not None and worker_process.poll() is None:
            worker_process.terminate()
            try:
                worker_process.wait(timeout=SHUTDOWN_GRACE_S)
            except subprocess.TimeoutExpired:
                worker_process.kill()
        stack.stop()


def _version() -> str:
    try:
        return metadata.version("dejima")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="dejima", description="Dejima: two hubs, one island.")
    parser.add_argument("--version", action="version", version=f"dejima {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    dev_parser = commands.add_parser("dev", help="the whole system on this machine, with demo data")
    dev_parser.add_argument("--port", type=int, default=8080)
    dev_parser.add_argument("--data", type=Path, default=Path(".dejima"))
    serve_parser = commands.add_parser("serve", help="one hub instance")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8080)
    worker_parser = commands.add_parser("worker", help="the arq workers")
    worker_parser.add_argument(
        "--queue",
        choices=["all", "main", "webhooks"],
        default="all",
        help="the main queue, partner webhooks' own queue, or both in this process (default)",
    )
    commands.add_parser("seed", help="create the demo data (idempotent)")
    args = parser.parse_args(argv)

    if args.command == "dev":
        logs.configure(text=True)
        dev(port=args.port, data=args.data)
        return
    settings = load_settings()
    logs.configure(text=settings.text_logs)
    try:
        if args.command == "serve":
            serve(settings, host=args.host, port=args.port)
        elif args.command == "worker":
            worker(settings, queue=args.queue)
        else:
            seed(settings)
    except StartupError as error:
        print(f"dejima: cannot start: {error}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
