"""A hub instance as its own process for fault tests: ``dejima serve`` plus an open ``board:`` check
(the boards code does not exist yet), so presence can be tested across a killed process."""

from __future__ import annotations

import sys

from aiohttp import web

from hub import keys, logs
from hub.app import create_app
from hub.cli import load_settings
from hub.principal import Principal
from hub.realtime.channels import ChannelKind, Grant


async def _any_board(principal: Principal, board_id: str) -> Grant:
    return Grant(scope=f"project:{board_id}")


async def _open_boards(app: web.Application) -> None:
    # on_startup runs after the cleanup contexts have started, the realtime core among them.
    app[keys.REALTIME].channels.replace(ChannelKind("board", _any_board, presence=True))


def main() -> None:
    settings = load_settings()
    logs.configure(text=True)
    app = create_app(settings)
    app.on_startup.append(_open_boards)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
