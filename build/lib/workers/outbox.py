"""arq jobs of the notification outbox: fan-out of a cause, one delivery, and the sweeper.

Job ids are idempotency keys (schemas/jobs.py) and every job re-reads its MongoDB document before
acting, so a job run twice, or revived by the sweeper after a worker was killed, sends nothing twice.
A job never ends "failed" in arq terms: arq would keep that result for an hour and refuse the same job
id meanwhile, so an unexpected error is logged and the job retried a little later instead.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from arq.worker import Retry

from schemas.common import utc_now
from workers.context import services_of

log = logging.getLogger(__name__)

Ctx = dict[str, Any]

# After an unexpected error (MongoDB or Redis briefly away): soon, but not in a tight loop.
ERROR_RETRY_S = 30.0
# Retries are ours (the delivery's attempts and delays); arq's own count must never end a job.
JOB_MAX_TRIES = 100_000


def retry_for(later: datetime) -> Retry:
    return Retry(defer=max(0.01, (later - utc_now()).total_seconds()))


async def run_delivery(ctx: Ctx, delivery_id: str) -> None:
    try:
        later = await services_of(ctx).deliveries.run(delivery_id)
    except Exception:
        log.exception("delivery %s: unexpected error; retrying in %.0f s", delivery_id, ERROR_RETRY_S)
        raise Retry(defer=ERROR_RETRY_S) from None
    if later is not None:
        raise retry_for(later)


async def fanout(ctx: Ctx, cause_id: str) -> int:
    try:
        return await services_of(ctx).notifications.notifier.fanout(cause_id)
    except Exception:
        log.exception("fan-out %s: unexpected error; retrying in %.0f s", cause_id, ERROR_RETRY_S)
        raise Retry(defer=ERROR_RETRY_S) from None


async def sweep_notifications(ctx: Ctx) -> int:
    services = services_of(ctx)
    report = await services.notifications.sweeper.run_once()
    published = await services.announcements.service.run_due()
    return report.causes + report.deliveries + published
