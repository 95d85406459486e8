"""The ``board:{id}`` channel: who may follow it (the right to read the board) and its presence."""

from __future__ import annotations

from hub.errors import NotFound
from hub.identity.principal import Principal
from hub.realtime.channels import ChannelKind, Grant
from hub.services import Services


async def _check_board(services: Services, principal: Principal, board_id: str) -> Grant:
    access = await services.boards.access(board_id)
    if not services.rights.may_read_project(principal, access):
        raise NotFound("no such channel")
    # Checked again whenever the project's members change (a removed viewer stops receiving).
    return Grant(scope=f"project:{access.id}")


def board_channel() -> ChannelKind:
    return ChannelKind("board", _check_board, presence=True)
