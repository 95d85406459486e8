"""Turning logged events into partner webhook deliveries: a follower of the event log.

Design note: docs/notifications.md ("How events reach webhooks"). The follower runs as a unique arq
cron job. For each channel that partners may subscribe to (project boards ``board:{id}`` and the
town-wide ``announcements``) it keeps a cursor (collection ``webhook_cursors``, the last seq done),
reads the events after it from the log, and for every active endpoint that subscribed to the event
name and whose organisation may read the project, inserts a delivery whose id is derived from
(endpoint, channel, seq). Only then does the cursor move. A crash anywhere repeats work that is
idempotent, and the log itself is the outbox, so no event a change committed can be missed, which a
hook at commit time could not promise (the committing process may die right after the insert).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.errors import NotFound
from hub.events.log import EventLog
from hub.identity.users import UserStore
from hub.limits import WEBHOOK_FOLLOW_BATCH, WEBHOOK_FOLLOW_WINDOW_S
from hub.notifications.outbox import Outbox
from hub.notifications.queue import JobQueue
from hub.projects.service import ProjectService
from hub.rights import OrgAccess, ProjectAccess, Rights
from hub.webhooks.store import WebhookStore, matches
from schemas.events import Event
from schemas.notifications import WebhookPayload

log = logging.getLogger(__name__)


CURSORS = "webhook_cursors"
_BOARD = "board:"
_ANNOUNCEMENTS = "announcements"


def followed(channel: str) -> bool:
    return channel.startswith(_BOARD) or channel == _ANNOUNCEMENTS


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def message_id(channel: str, seq: int) -> str:
    """One id per event, the same in every delivery and retry of it (``webhook-id``)."""
    return "msg_" + _digest(channel, str(seq))


def delivery_id(webhook_id: str, channel: str, seq: int) -> str:
    return "wd_" + _digest(webhook_id, channel, str(seq))


class ProjectRights:
    """Whether an organisation may read the project behind a channel, asked once per round."""

    def __init__(self, *, projects: ProjectService, users: UserStore, rights: Rights) -> None:
        self._projects = projects
        self._users = users
        self._rights = rights
        self._orgs: dict[str, OrgAccess] = {}
        self._boards: dict[str, ProjectAccess | None] = {}

    async def org(self, org_id: str) -> OrgAccess:
        if org_id not in self._orgs:
            people = frozenset(doc["_id"] for doc in await self._users.find(org_id=org_id))
            self._orgs[org_id] = OrgAccess(id=org_id, people=people)
        return self._orgs[org_id]

    async def project_of(self, channel: str) -> ProjectAccess | None:
        board_id = channel.removeprefix(_BOARD)
        if board_id not in self._boards:
            try:
                self._boards[board_id] = await self._projects.access_for_board(board_id)
            except NotFound:
                self._boards[board_id] = None
        return self._boards[board_id]

    async def may_receive(self, org_id: str, channel: str) -> bool:
        if channel == _ANNOUNCEMENTS:
            return True  # announcements to everyone: every signed-in user reads them
        project = await self.project_of(channel)
        return project is not None and self._rights.may_org_read_project(await self.org(org_id), project)


class WebhookFollower:
    def __init__(
        self,
        *,
        db: AsyncDatabase[Doc],
        events: EventLog,
        webhooks: WebhookStore,
        projects: ProjectService,
        users: UserStore,
        rights: Rights,
        outbox: Outbox,
        queue: JobQueue,
        clock: Clock,
    ) -> None:
        self._cursors = db[CURSORS]
        self._events = events
        self._webhooks = webhooks
        self._projects = projects
        self._users = users
        self._rights = rights
        self._outbox = outbox
        self._queue = queue
        self._clock = clock

    def rights_view(self) -> ProjectRights:
        return ProjectRights(projects=self._projects, users=self._users, rights=self._rights)

    async def run_once(self) -> int:
        """One round over recently written channels; return how many deliveries were made."""
        hooks = await self._webhooks.active()
        if not hooks:
            return 0
        since = self._clock() - timedelta(seconds=WEBHOOK_FOLLOW_WINDOW_S)
        channels = [ch for ch in await self._events.recent_channels(since=since) if followed(ch)]
        view = self.rights_view()
        made = 0
        for channel in channels:
            made += await self._follow(channel, hooks, view)
        return made

    async def _follow(self, channel: str, hooks: list[Doc], view: ProjectRights) -> int:
        cursor_doc = await self._cursors.find_one({"_id": channel})
        cursor = 0 if cursor_doc is None else int(cursor_doc["seq"])
        events = await self._events.since(channel, cursor, limit=WEBHOOK_FOLLOW_BATCH)
        if not events:
            return 0
        made: list[str] = []
        for event in events:
            for hook in hooks:
                if event.at < hook["created_at"] or not matches(hook["events"], event.event):
                    continue
                if not await view.may_receive(hook["org_id"], channel):
                    continue
                if await self._add(hook, event):
                    made.append(delivery_id(hook["_id"], channel, event.seq))
        for made_id in made:
            await self._queue.delivery(made_id, channel="webhook")
        await self._cursors.update_one({"_id": channel}, {"$max": {"seq": events[-1].seq}}, upsert=True)
        if made:
            log.info("webhooks: %d deliveries for %s up to #%d", len(made), channel, events[-1].seq)
        return len(made)

    async def _add(self, hook: Doc, event: Event) -> bool:
        now = self._clock()
        payload = WebhookPayload(
            id=message_id(event.channel, event.seq),
            type=event.event,
            channel=event.channel,
            seq=event.seq,
            data=event.data,
            at=event.at,
        )
        return await self._outbox.add_delivery(
            {
                "_id": delivery_id(hook["_id"], event.channel, event.seq),
                "channel": "webhook",
                "webhook_id": hook["_id"],
                "org_id": hook["org_id"],
                "event_type": event.event,
                "channel_name": event.channel,
                "seq": event.seq,
                "msg_id": payload.id,
                "payload": payload.model_dump(mode="json"),
                "priority": "normal",
                "cause_id": None,
                "expires_at": None,
                "created_at": now,
            },
            next_at=now,
        )
