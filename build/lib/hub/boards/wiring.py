"""The boards domain as one object for ``Services``: the store (collections and look-ups), the
board service (snapshot, rights, commit), columns, cards, comments and history, the notices of
assignments and mentions, who follows what, the due reminders, and what a card holds (its
checklist and attachments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from pymongo.asynchronous.database import AsyncDatabase

from hub.boards.access import ProjectBoards
from hub.boards.attachments import AttachmentService
from hub.boards.cards import CardService
from hub.boards.checklists import ChecklistService
from hub.boards.columns import ColumnService
from hub.boards.comments import CardNotes
from hub.boards.due import DuePolicy
from hub.boards.export import BoardExporter
from hub.boards.follows import Follows
from hub.boards.importer import TrelloImporter
from hub.boards.notices import Notices
from hub.boards.reminders import DueReminders
from hub.boards.search import SearchService
from hub.boards.search_index import SearchIndex
from hub.boards.service import BoardService
from hub.boards.store import BoardStore
from hub.clock import Clock
from hub.doc import Doc
from hub.events.log import EventLog
from hub.identity.users import UserStore
from hub.notify import Notify
from hub.projects.wiring import Projects
from hub.rights import Rights


@dataclass(frozen=True)
class Boards:
    store: BoardStore
    service: BoardService
    columns: ColumnService
    cards: CardService
    notes: CardNotes
    notices: Notices
    follows: Follows
    reminders: DueReminders
    checklists: ChecklistService
    attachments: AttachmentService
    # Finding and moving boards in and out (API.md, "Finding and reminding"; docs/boards.md).
    search: SearchService
    export: BoardExporter
    trello_import: TrelloImporter

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes()
        await self.attachments.ensure_indexes()
        # Cards whose due was set before reminders existed get theirs (idempotent).
        await self.reminders.migrate()


def build_boards(
    db: AsyncDatabase[Doc],
    *,
    events: EventLog,
    rights: Rights,
    users: UserStore,
    notify: Notify,
    projects: Projects,
    clock: Clock,
    zone: ZoneInfo,
    due_soon: timedelta,
    attachment_max_bytes: int,
) -> Boards:
    """``zone``: where a due date ends (``DEJIMA_TIMEZONE``); ``due_soon``: how long before the due
    moment ``card.due_soon`` goes out; ``attachment_max_bytes``: the largest attachment
    (``DEJIMA_ATTACHMENT_MAX_BYTES``)."""
    store = BoardStore(db)
    # The store carries a board's open cards forward over the events this process logs.
    events.observe("board", store.applied)
    notices = Notices(store=store, users=users, rights=rights, notify=notify)
    service = BoardService(
        store=store,
        events=events,
        rights=rights,
        directory=ProjectBoards(projects=projects.service, store=projects.store),
    )
    follows = Follows(boards=service, store=store, notices=notices)
    due = DuePolicy(zone=zone, soon=due_soon)
    columns = ColumnService(boards=service, store=store)
    return Boards(
        store=store,
        service=service,
        columns=columns,
        cards=CardService(boards=service, store=store, notices=notices, follows=follows, due=due),
        notes=CardNotes(boards=service, store=store, events=events, notices=notices, follows=follows),
        notices=notices,
        follows=follows,
        reminders=DueReminders(
            db, boards=service, store=store, follows=follows, notify=notify, clock=clock, policy=due
        ),
        checklists=ChecklistService(boards=service, store=store),
        attachments=AttachmentService(
            db, boards=service, store=store, rights=rights, max_bytes=attachment_max_bytes
        ),
        search=SearchService(index=SearchIndex(store=store, events=events), projects=projects.service),
        export=BoardExporter(boards=service, store=store, events=events),
        trello_import=TrelloImporter(
            boards=service, store=store, columns=columns, projects=projects.service, rights=rights, due=due
        ),
    )
