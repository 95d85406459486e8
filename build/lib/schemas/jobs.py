"""Names of the arq jobs of the notification pipeline and how their ids are formed.

Every job id is an idempotency key: arq refuses a second job with an id that is queued or running,
and each job re-reads its MongoDB document before acting, so a repeated job is a no-op.
"""

from __future__ import annotations

from typing import Final

# The arq queues. Partner webhooks have their own (and their own workers), so that endpoints that hang
# or fail never hold back in-app notifications, e-mail or LINE (issue 11): everything else shares
# arq's default queue.
MAIN_QUEUE: Final = "arq:queue"
WEBHOOK_QUEUE: Final = "dejima:webhooks"
# One delivery: ``_job_id`` = the delivery id; one job function per channel.
SEND_EMAIL: Final = "send_email"
SEND_LINE: Final = "send_line"
SEND_WEBHOOK: Final = "send_webhook"
SEND_JOB = {"email": SEND_EMAIL, "line": SEND_LINE, "webhook": SEND_WEBHOOK}


def queue_of(function: str) -> str:
    """The queue a job function's jobs go to."""
    return WEBHOOK_QUEUE if function == SEND_WEBHOOK else MAIN_QUEUE


# Turn a cause into notification records and deliveries: ``_job_id`` = "fanout:" + cause id.
FANOUT: Final = "fanout"
# Publish a scheduled announcement: ``_job_id`` = "publish:" + announcement id.
PUBLISH: Final = "publish_announcement"
# Remind the pending recipients of an urgent announcement: ``_job_id`` = "remind:" + announcement id.
REMIND: Final = "remind_announcement"
# Write an announcement's deliveries to residents (thousands): ``_job_id`` = "residents:" + its id.
REACH_RESIDENTS: Final = "reach_residents"


def reach_job_id(announcement_id: str) -> str:
    return f"residents:{announcement_id}"


def fanout_job_id(cause_id: str) -> str:
    return f"fanout:{cause_id}"


def publish_job_id(announcement_id: str) -> str:
    return f"publish:{announcement_id}"


def remind_job_id(announcement_id: str) -> str:
    return f"remind:{announcement_id}"
