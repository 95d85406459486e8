"""RFC 5545 text as written: folded at 75 octets without splitting a character, escaped, read back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar

from hub.calendar.ical import Entry, calendar


def test_long_japanese_text_folds_and_reads_back_exactly() -> None:
    summary = "地域防災訓練の準備、会場の確認; 備品\\リスト" * 6
    description = "一行目\n二行目, 三行目"
    text = calendar(
        [
            Entry(uid="card-1@dejima", summary=summary, start=date(2026, 12, 1), description=description),
            Entry(uid="event-2@dejima", summary="説明会", start=datetime(2026, 12, 2, 1, 0, tzinfo=UTC)),
        ],
        name="Dejima",
        now=datetime(2026, 11, 28, tzinfo=UTC),
    )
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    first, second = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(first["SUMMARY"]) == summary and str(first["DESCRIPTION"]) == description
    assert first["DTSTART"].dt == date(2026, 12, 1) and first["DTEND"].dt == date(2026, 12, 2)
    assert second["DTSTART"].dt == datetime(2026, 12, 2, 1, 0, tzinfo=UTC) and "DTEND" not in second
