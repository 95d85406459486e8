"""A demo project with a board for ``dejima dev`` (API.md, Running it): idempotent, like all seeding.

Everything is created through the services with fixed Idempotency-Keys, so running the seed again
finds what it made and changes nothing.
"""

from __future__ import annotations

from datetime import date

from hub.identity.users import to_principal
from hub.services import Services
from schemas.boards import CardCreate, ColumnCreate
from schemas.projects import MemberIn, ProjectCreate

OWNER = "sato@bandai.example"
EDITORS = ("suzuki@bandai.example", "tanaka@partner.example")
COLUMNS = {
    "やること": ["住民説明会の会場を押さえる", "LINE 通知の文面を確認する"],
    "作業中": ["バス停の混雑センサー設置（協力企業）"],
    "完了": ["渋谷ハブの Wi-Fi 更新"],
}


async def seed_demo_board(services: Services) -> str | None:
    """Create the demo project and fill its board once; return the board id (None without users)."""
    owner_doc = await services.users.by_email(OWNER)
    if owner_doc is None:
        return None
    owner = to_principal(owner_doc, session_id="seed")
    body = ProjectCreate(
        title="磐梯町 DX ラボ",
        summary="役場と協力企業が一緒に進める DX の取り組み",
        visibility="internal",
    )
    project = await services.projects.create(owner, body, key="demo-project", address=None)
    for email in EDITORS:
        editor = await services.users.by_email(email)
        if editor is not None:
            member = MemberIn(user_id=editor["_id"], role="editor")
            await services.projects.set_member(owner, project.id, member, address=None)
    board_id = project.board_id
    for number, (title, cards) in enumerate(COLUMNS.items()):
        column = await services.columns.create_column(
            owner, board_id, ColumnCreate(title=title), idempotency_key=f"demo-column-{number}"
        )
        after: str | None = None
        for index, card_title in enumerate(cards):
            card = CardCreate(
                column_id=column.id,
                title=card_title,
                after=after,
                labels=["デモ"],
                due=date(2026, 12, 1) if index == 0 else None,
            )
            created = await services.cards.create_card(
                owner, board_id, card, idempotency_key=f"demo-card-{number}-{index}"
            )
            after = created.id
    return board_id
