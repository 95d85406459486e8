"""The arq worker: its functions, cron jobs, and the dependencies opened in ``on_startup``."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any, Literal

from arq.connections import RedisSettings
from arq.cron import CronJob, cron
from arq.typing import WorkerCoroutine
from arq.worker import Function, Worker

from hub.limits import WEBHOOK_WORKER_MAX_JOBS
from hub.services import build_services
from hub.settings import Settings
from hub.storage import mongo as mongo_storage
from hub.storage import redis as redis_storage
from schemas.common import utc_now
from schemas.jobs import MAIN_QUEUE, WEBHOOK_QUEUE
from workers.boards import send_due_reminders, sweep_attachments, sweep_board_notifications
from workers.cron import NOTIFICATION_CRON_JOBS, NOTIFICATION_FUNCTIONS, WEBHOOK_CRON_JOBS, WEBHOOK_FUNCTIONS
from workers.digest import send_digests
from workers.gatherings import purge_registrants, remind_registrants
from workers.hubs import auto_checkout, purge_visitors
from workers.sweeper import catch_up_channels, purge_events

log = logging.getLogger(__name__)

Ctx = dict[str, Any]

# Every job function of the worker; each domain's jobs are added here.
FUNCTIONS: list[Function | WorkerCoroutine] = [*NOTIFICATION_FUNCTIONS]
CRON_JOBS: list[CronJob] = [
    # Every 10 s: a change whose writer died before publishing reaches live pages within seconds.
    cron(catch_up_channels, second=set(range(0, 60, 10)), run_at_startup=True, unique=True),
    # Hourly: the log keeps its events DEJIMA_EVENT_RETENTION_DAYS (the contract's 7 days at least).
    cron(purge_events, minute=37, second=30, run_at_startup=True, unique=True),
    # Every minute: open check-ins end within a minute of their hub's closing time (any time zone).
    cron(auto_checkout, second=5, run_at_startup=True, unique=True),
    # Hourly: erasure is due "N days after the visit"; an hour late is fine, a day would not be.
    cron(purge_visitors, minute=17, second=30, run_at_startup=True, unique=True),
    # Every minute: an event's reminder goes out within a minute of "N hours before"; one worker
    # claims each event (hub/gatherings/reminders.py), arq's unique= keeps two runs from overlapping.
    cron(remind_registrants, second={40}, run_at_startup=True, unique=True),
    # Hourly, like the visitors': registrants' names and contacts erased N days after their event.
    cron(purge_registrants, minute=47, second=30, run_at_startup=True, unique=True),
    *NOTIFICATION_CRON_JOBS,
    # Every minute: notifications of board changes whose process died right after the commit.
    cron(sweep_board_notifications, second={30}, run_at_startup=True, unique=True),
    # Every minute: the bytes of attachment uploads and deletions whose process died (after 15 min).
    cron(sweep_attachments, second={45}, run_at_startup=True, unique=True),
    # Every 10 s: a due reminder goes out within seconds of its moment (API.md: within 60 s); unique,
    # and each reminder is leased besides, so two workers never send one twice.
    # Every minute: the daily digest goes out within a minute of DEJIMA_DIGEST_AT in each person's
    # zone (zones differ by quarter hours, so every minute rather than hourly); each day is claimed.
    cron(send_digests, second=40, run_at_startup=True, unique=True, keep_result=0),
    cron(send_due_reminders, second=set(range(3, 60, 10)), run_at_startup=True, unique=True, keep_result=0),
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


# ``dejima worker --queue``: the main queue (fan-out, e-mail, LINE, announcements, the domains' cron
# jobs), the partner webhooks' queue, or both in one process (the default).
Queue = Literal["main", "webhooks"]
QUEUES: tuple[Queue, ...] = ("main", "webhooks")


def create_worker(settings: Settings, *, queue: Queue = "main", **overrides: Any) -> Worker:
    """One arq worker of ``queue``. The webhook worker takes more jobs at once than the main one:
    its jobs mostly wait on partners' answers (each org gets at most WEBHOOK_ORG_CONCURRENCY)."""
    options: dict[str, Any] = {
        "functions": FUNCTIONS if queue == "main" else WEBHOOK_FUNCTIONS,
        "cron_jobs": CRON_JOBS if queue == "main" else WEBHOOK_CRON_JOBS,
        "queue_name": MAIN_QUEUE if queue == "main" else WEBHOOK_QUEUE,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "ctx": {"settings": settings},
        "handle_signals": True,
        "max_tries": 10,
        # A killed worker's running jobs start again elsewhere after this + 10 s (arq's in-progress key).
        "job_timeout": settings.job_timeout_s,
    }
    if queue == "webhooks":
        options["max_jobs"] = WEBHOOK_WORKER_MAX_JOBS
    options.update(overrides)
    return Worker(**options)


def run_worker(settings: Settings, queues: tuple[Queue, ...] = QUEUES) -> None:
    asyncio.run(_run_workers(settings, queues))


async def _run_workers(settings: Settings, queues: tuple[Queue, ...]) -> None:
    """The workers of ``queues`` side by side in one event loop; SIGINT/SIGTERM stops them all
    (arq's own handlers would each replace the other's)."""
    workers = [create_worker(settings, queue=queue, handle_signals=False) for queue in queues]
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, _stop, workers, signum)
    try:
        results = await asyncio.gather(*(worker.async_run() for worker in workers), return_exceptions=True)
    finally:
        for worker in workers:
            await _close(worker)
    for result in results:
        if isinstance(result, Exception):
            raise result


def _stop(workers: list[Worker], signum: signal.Signals) -> None:
    for worker in workers:
        worker.handle_sig(signum)


async def _close(worker: Worker) -> None:
    """``Worker.close`` for a worker stopped by a signal: its cancelled jobs are awaited without
    re-raising their cancellation (they run again from their outbox documents), then
    ``on_shutdown`` and the pool."""
    await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
    pool = worker._pool
    if pool is None:
        return
    await pool.delete(worker.health_check_key)
    if worker.on_shutdown is not None and "services" in worker.ctx:
        await worker.on_shutdown(worker.ctx)
    await pool.aclose()
    worker._pool = None
