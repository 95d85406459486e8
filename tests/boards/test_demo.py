"""The demo board of ``dejima dev``: made once, however often the seed runs."""

from __future__ import annotations

from hub import keys
from hub.boards.demo import COLUMNS, seed_demo_board
from hub.identity.users import to_principal
from hub.seed import _NAMES
from tests.boards.conftest import Client


async def test_seeding_twice_makes_one_demo_board(client: Client) -> None:
    services = client.app[keys.SERVICES]
    assert await seed_demo_board(services) is None  # no demo people yet: nothing to do
    for email, role in (("sato@bandai.example", "member"), ("tanaka@partner.example", "partner")):
        await services.users.create(email=email, name=_NAMES[email], role=role)
    board_id = await seed_demo_board(services)
    assert board_id is not None and await seed_demo_board(services) == board_id
    owner = await services.users.by_email("sato@bandai.example")
    snap = await services.boards.snapshot(to_principal(owner, session_id="t"), board_id)
    assert [(c.title, [card.title for card in c.cards]) for c in snap.columns] == list(COLUMNS.items())
    assert snap.seq == len(COLUMNS) + sum(len(cards) for cards in COLUMNS.values())
