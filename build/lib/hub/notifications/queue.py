"""Enqueueing arq jobs from domain code.

The MongoDB outbox is the truth and the arq job only a prompt to act on it: a job that cannot be
enqueued (Redis down, no pool in this process) is logged and left to the sweeper, which enqueues
every due outbox entry whose job is missing (docs/notifications.md).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from schemas.jobs import SEND_JOB, queue_of

if TYPE_CHECKING:
    from arq.connections import ArqRedis

log = logging.getLogger(__name__)


class JobQueue:
    def __init__(self, pool: ArqRedis | None) -> None:
        self._pool = pool

    @property
    def available(self) -> bool:
        return self._pool is not None

    async def enqueue(
        self, function: str, *, job_id: str, defer_until: datetime | None = None, **kwargs: Any
    ) -> bool:
        """Ask for ``function(**kwargs)`` once; False when the job exists already or Redis failed."""
        if self._pool is None:
            return False
        try:
            job = await self._pool.enqueue_job(
                function,
                _job_id=job_id,
                _defer_until=defer_until,
                _queue_name=queue_of(function),
                **kwargs,
            )
        except Exception:
            log.warning("could not enqueue %s %s; the sweeper will", function, job_id, exc_info=True)
            return False
        return job is not None

    async def delivery(self, delivery_id: str, *, channel: str, defer_until: datetime | None = None) -> bool:
        """Prompt the sender of ``channel`` for one delivery; the job id is the delivery id."""
        return await self.enqueue(
            SEND_JOB[channel], job_id=delivery_id, defer_until=defer_until, delivery_id=delivery_id
        )
