"""The sweeper: what makes "a process killed at any moment loses nothing" true without waiting for
traffic. Run every few seconds by a unique arq cron job (docs/notifications.md):

- causes left pending by a process that died mid fan-out (untouched for ``CAUSE_STALE_S``), and
  causes left for the sweeper (``inline: false``, recorded so by older versions), are fanned out;
- every pending delivery whose time has come is enqueued again: arq refuses a job id that is queued
  or running, so this only revives deliveries whose job vanished (a killed worker, a lost Redis);
- scheduled announcements that are due are published and urgent reminders sent (announcements
  have their own deferred jobs; this is the safety net behind them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from hub.clock import Clock
from hub.limits import CAUSE_STALE_S, SWEEP_BATCH
from hub.notifications.fanout import Notifier
from hub.notifications.outbox import Outbox
from hub.notifications.queue import JobQueue

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SweepReport:
    causes: int
    deliveries: int


class Sweeper:
    def __init__(self, *, outbox: Outbox, notifier: Notifier, queue: JobQueue, clock: Clock) -> None:
        self._outbox = outbox
        self._notifier = notifier
        self._queue = queue
        self._clock = clock

    async def run_once(self) -> SweepReport:
        now = self._clock()
        causes = await self._outbox.deferred_causes(limit=SWEEP_BATCH)
        causes += await self._outbox.stale_causes(
            updated_before=now - timedelta(seconds=CAUSE_STALE_S), limit=SWEEP_BATCH
        )
        for cause_id in dict.fromkeys(causes):
            try:
                await self._notifier.fanout(cause_id)
            except Exception:
                # One cause that cannot be fanned out must not stop the others or the deliveries
                # (its error is recorded on it, and it ends failed after CAUSE_MAX_TRIES).
                log.exception("sweeper: fan-out of %s failed", cause_id)
        revived = 0
        for doc in await self._outbox.due(now=now, limit=SWEEP_BATCH):
            revived += int(await self._queue.delivery(doc["_id"], channel=doc["channel"]))
        if causes or revived:
            log.info("sweeper: %d causes fanned out, %d deliveries enqueued", len(causes), revived)
        return SweepReport(causes=len(causes), deliveries=revived)
