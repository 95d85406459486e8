"""Announcement jobs (deferred to the moment they are due) and the notification cron jobs.

Publishing and reminding are deferred arq jobs with the announcement's id in the job id, so each is
queued once; the sweeper cron is the safety net that publishes anything due whose job was lost. Either
way the service's atomic ``scheduled`` → ``publishing`` step lets exactly one worker publish.
"""

from __future__ import annotations

import logging
from typing import Any

from arq.cron import CronJob, cron
from arq.worker import Function, Retry, func

from schemas.jobs import FANOUT, PUBLISH, REACH_RESIDENTS, REMIND, SEND_EMAIL, SEND_LINE, SEND_WEBHOOK
from workers.context import services_of
from workers.email import send_email
from workers.line import send_line
from workers.outbox import ERROR_RETRY_S, JOB_MAX_TRIES, fanout, retry_for, sweep_notifications
from workers.webhooks import follow_webhooks, send_webhook

log = logging.getLogger(__name__)

Ctx = dict[str, Any]


async def publish_announcement(ctx: Ctx, announcement_id: str) -> bool:
    try:
        return await services_of(ctx).announcements.service.publish(announcement_id)
    except Exception:
        log.exception("publishing %s: unexpected error; retrying", announcement_id)
        raise Retry(defer=ERROR_RETRY_S) from None


async def reach_residents(ctx: Ctx, announcement_id: str) -> None:
    try:
        await services_of(ctx).announcements.service.reach_residents(announcement_id)
    except Exception:
        log.exception("reaching residents with %s: unexpected error; retrying", announcement_id)
        raise Retry(defer=ERROR_RETRY_S) from None


async def remind_announcement(ctx: Ctx, announcement_id: str) -> None:
    try:
        later = await services_of(ctx).announcements.service.remind(announcement_id)
    except Exception:
        log.exception("reminding %s: unexpected error; retrying", announcement_id)
        raise Retry(defer=ERROR_RETRY_S) from None
    if later is not None:
        raise retry_for(later)


def _job(coroutine: Any, name: str) -> Function:
    # keep_result=0: a finished job leaves no result behind, so its id (an idempotency key) can be
    # enqueued again by the sweeper if its document still needs work.
    return func(coroutine, name=name, keep_result=0, max_tries=JOB_MAX_TRIES)


NOTIFICATION_FUNCTIONS: list[Function] = [
    _job(send_email, SEND_EMAIL),
    _job(send_line, SEND_LINE),
    _job(fanout, FANOUT),
    _job(publish_announcement, PUBLISH),
    _job(remind_announcement, REMIND),
    _job(reach_residents, REACH_RESIDENTS),
    # Only for jobs an older hub instance put on the main queue during a rolling upgrade; every
    # webhook job enqueued now goes to the webhook queue (hub/notifications/queue.py).
    _job(send_webhook, SEND_WEBHOOK),
]
# The webhook queue's worker (schemas/jobs.py WEBHOOK_QUEUE): nothing else waits behind partners.
WEBHOOK_FUNCTIONS: list[Function] = [_job(send_webhook, SEND_WEBHOOK)]

_EVERY_2_S = set(range(0, 60, 2))
NOTIFICATION_CRON_JOBS: list[CronJob] = [
    # Every 2 s: deliveries whose job vanished with a killed worker are revived within seconds,
    # scheduled announcements are published on time even if their deferred job was lost.
    cron(sweep_notifications, second=_EVERY_2_S, run_at_startup=True, unique=True, keep_result=0),
]
WEBHOOK_CRON_JOBS: list[CronJob] = [
    # Every 2 s: partner webhooks hear of an event within a few seconds of its commit.
    cron(follow_webhooks, second=_EVERY_2_S, run_at_startup=True, unique=True, keep_result=0),
]
