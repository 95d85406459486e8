"""Boards to put due cards on (the boards tests' fixtures)."""

from tests.boards.conftest import board, make_board, person  # noqa: F401
