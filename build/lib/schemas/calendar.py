"""Calendar feeds on the wire (API.md, Finding and reminding)."""

from __future__ import annotations

from schemas.common import Out


class CalendarUrlOut(Out):
    # The secret address of the feed; whoever has it can read the feed without signing in.
    url: str
