"""``dejima worker`` started as operators start it (``python -m hub.cli worker``), against the test
servers, for tests that kill a worker or need one in another process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hub.settings import Settings


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points a worker at the test servers; ``extra`` overrides."""
    assert settings.line_channel_token is not None and settings.line_channel_secret is not None
    return {
        **os.environ,
        "DEJIMA_MONGODB_URL": settings.mongodb_url,
        "DEJIMA_MONGODB_DATABASE": settings.mongodb_database,
        "DEJIMA_REDIS_URL": settings.redis_url,
        "DEJIMA_SECRET_KEY": settings.secret_key.get_secret_value(),
        "DEJIMA_PUBLIC_URL": settings.public_url,
        "DEJIMA_SMTP_HOST": settings.smtp_host or "",
        "DEJIMA_SMTP_PORT": str(settings.smtp_port),
        "DEJIMA_SMTP_FROM": settings.smtp_from,
        "DEJIMA_LINE_API_BASE": settings.line_api_base,
        "DEJIMA_LINE_CHANNEL_TOKEN": settings.line_channel_token.get_secret_value(),
        "DEJIMA_LINE_CHANNEL_SECRET": settings.line_channel_secret.get_secret_value(),
        # A killed worker's running jobs start again after job timeout + 10 s (arq).
        "DEJIMA_JOB_TIMEOUT_S": "3",
        "DEJIMA_DELIVERY_RETRY_DELAYS_S": "[0.5, 1, 2]",
        **extra,
    }


def start_worker(settings: Settings, log: Path, **extra_env: str) -> subprocess.Popen[bytes]:
    """A worker process whose output goes to ``log``; the caller kills or stops it."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "worker"],
            env=worker_env(settings, **extra_env),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
