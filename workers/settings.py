"""The arq worker: its functions, cron jobs, and the dependencies opened in ``on_startup``."""

from __future__ import annotations

import logging
from typing import Any

from arq.connections import RedisSettings
from arq.cron import CronJob, cron
from arq.typing import WorkerCoroutine
from arq.worker import Function, Worker

from hub.services import build_services
from hub.settings import Settings
from hub.storage import mongo as mongo_storage
from hub.storage import redis as redis_storage
from schemas.common import utc_now
from workers.cron import NOTIFICATION_CRON_JOBS, NOTIFICATION_FUNCTIONS
from workers.hubs import auto_checkout, purge_visitors
from workers.sweeper import catch_up_channels

log = logging.getLogger(__name__)

Ctx = dict[str, Any]

# Every job function of the worker; each domain's jobs are added here.
FUNCTIONS: list[Function | WorkerCoroutine] = [*NOTIFICATION_FUNCTIONS]
CRON_JOBS: list[CronJob] = [
    # Every 10 s: a change whose writer died before publishing reaches live pages within seconds.
    cron(catch_up_channels, second=set(range(0, 60, 10)), run_at_startup=True, unique=True),
    # Every minute: open check-ins end within a minute of their hub's closing time (any time zone).
    cron(auto_checkout, second=5, run_at_startup=True, unique=True),
    # Hourly: erasure is due "N days after the visit"; an hour late is fine, a day would not be.
    cron(purge_visitors, minute=17, second=30, run_at_startup=True, unique=True),
    *NOTIFICATION_CRON_JOBS,
]


async def on_startup(ctx: Ctx) -> None:
    settings: Settings = ctx["settings"]
    client = mongo_storage.open_client(settings.mongodb_url)
    redis = redis_storage.open_client(settings.redis_url)
    ctx["mongo_client"] = client
    ctx["services_redis"] = redis
    services = build_services(
        settings=settings,
        db=client[settings.database_name],
        redis=redis,
        # Tests may hand in their clock; the worker's own arq pool enqueues follow-up jobs.
        clock=ctx.get("clock", utc_now),
        arq=ctx["redis"],
    )
    await services.ensure_indexes()
    ctx["services"] = services
    log.info("worker started")


async def on_shutdown(ctx: Ctx) -> None:
    await ctx["services_redis"].aclose()
    await ctx["mongo_client"].close()


def create_worker(settings: Settings, **overrides: Any) -> Worker:
    options: dict[str, Any] = {
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "ctx": {"settings": settings},
        "handle_signals": True,
        "max_tries": 10,
        # A killed worker's running jobs start again elsewhere after this + 10 s (arq's in-progress key).
        "job_timeout": settings.job_timeout_s,
    }
    options.update(overrides)
    return Worker(**options)


def run_worker(settings: Settings) -> None:
    create_worker(settings).run()
