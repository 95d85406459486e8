"""The time, handed in: services that hold, schedule or expire things take a ``Clock`` so that tests
can move time instead of waiting for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from schemas.common import utc_now

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return utc_now()
