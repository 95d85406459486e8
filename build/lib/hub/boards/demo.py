"""Columns and cards on the demo project's board for ``dejima dev`` (API.md, Running it).

Everything is created through the services with fixed Idempotency-Keys, so running the seed again
finds what it made and changes nothing.
"""

from __future__ import annotations

from hub.boards.cards import CardService
from hub.boards.columns import ColumnService
from hub.identity.users import UserStore, to_principal
from schemas.boards import CardCreate, ColumnCreate

COLUMNS = {
    "やること": ["住民説明会の会場を押さえる", "LINE 通知の文面を確認する"],
    "作業中": ["バス停の混雑センサー設置（協力企業）"],
    "完了": ["渋谷ハブの Wi-Fi 更新"],
}


async def seed_demo_board(
    *, users: UserStore, columns: ColumnService, cards: CardService, board_id: str, owner_email: str
) -> bool:
    """Fill the board once, as ``owner_email`` (who may change it); False when they do not exist."""
    owner_doc = await users.by_email(owner_email)
    if owner_doc is None:
        return False
    owner = to_principal(owner_doc, session_id="seed")
    for number, (title, titles) in enumerate(COLUMNS.items()):
        column = await columns.create_column(
            owner, board_id, ColumnCreate(title=title), idempotency_key=f"demo-column-{number}"
        )
        after: str | None = None
        for index, card_title in enumerate(titles):
            card = CardCreate(
                column_id=column.id,
                title=card_title,
                after=after,
                labels=["デモ"],
                due="2026-12-01" if index == 0 else None,
            )
            created = await cards.create_card(
                owner, board_id, card, idempotency_key=f"demo-card-{number}-{index}"
            )
            after = created.id
    return True
