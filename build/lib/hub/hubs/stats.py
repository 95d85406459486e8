"""Visit statistics per day and purpose, and the CSV export of check-ins (staff only).

Days are the hub's days: a visit at 00:30 in Tokyo counts for that Tokyo date, whatever UTC says.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.clock import Clock
from hub.doc import Doc
from hub.errors import Forbidden, InvalidRequest
from hub.events.log import EventLog
from hub.hubs import hours
from hub.hubs.model import CHECKINS, LIVE, channel_of
from hub.hubs.service import HubService
from hub.limits import VISIT_RANGE_MAX_DAYS
from hub.principal import Principal
from hub.rights import Rights
from schemas.hubs import PURPOSES, DateRangeQuery, DayStats, StatsOut

# Without from/to, statistics and exports cover the last 30 days of the hub's calendar.
DEFAULT_RANGE_DAYS = 30
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection, OWASP).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "id",
    "date",
    "kind",
    "name",
    "organization",
    "purpose",
    "contact",
    "checked_in_at",
    "checked_out_at",
    "checked_in_local",
    "checked_out_local",
    "ended_by",
)


class VisitStats:
    def __init__(
        self, db: AsyncDatabase[Doc], *, hubs: HubService, events: EventLog, rights: Rights, clock: Clock
    ) -> None:
        self._checkins = db[CHECKINS]
        self._hubs = hubs
        self._events = events
        self._rights = rights
        self._clock = clock

    async def stats(self, principal: Principal, hub_id: str, query: DateRangeQuery) -> StatsOut:
        hub = await self._hubs.hub(hub_id)
        if not self._rights.may_read_visit_stats(principal):
            raise Forbidden("only the DX office may read visit statistics")
        tz = hours.zone(hub["timezone"])
        first, last = self._range(query, tz)
        docs = await self._visits(hub_id, first, last, tz, fields={"checked_in_at": 1, "purpose": 1})
        per_day: dict[date, Counter[str]] = {
            first + timedelta(days=n): Counter() for n in range((last - first).days + 1)
        }
        for doc in docs:
            per_day[hours.local_day(doc["checked_in_at"], tz)][doc["purpose"]] += 1
        totals: Counter[str] = Counter()
        days = []
        for day, counts in per_day.items():
            totals.update(counts)
            days.append(DayStats(date=day, total=sum(counts.values()), by_purpose=_by_purpose(counts)))
        return StatsOut(
            hub_id=hub_id,
            timezone=hub["timezone"],
            from_=first,
            to=last,
            total=sum(totals.values()),
            by_purpose=_by_purpose(totals),
            days=days,
            events=await self._hubs.event_attendance(
                hub_id, start=hours.day_start(first, tz), end=hours.day_start(last + hours.ONE_DAY, tz)
            ),
        )

    async def csv(self, principal: Principal, hub_id: str, query: DateRangeQuery) -> tuple[str, bytes]:
        """→ (file name, UTF-8 with BOM so that Excel in Japan reads it right)."""
        hub = await self._hubs.hub(hub_id)
        if not self._rights.may_export_visits(principal):
            raise Forbidden("only the DX office may export check-ins")
        tz = hours.zone(hub["timezone"])
        first, last = self._range(query, tz)
        docs = await self._visits(hub_id, first, last, tz, fields=None)
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for doc in docs:
            writer.writerow([_cell(value) for value in _row(doc, tz)])
        return f"{hub_id}-checkins-{first}-{last}.csv", ("\ufeff" + out.getvalue()).encode()

    def _range(self, query: DateRangeQuery, tz: ZoneInfo) -> tuple[date, date]:
        last = query.to or (query.from_ + timedelta(days=DEFAULT_RANGE_DAYS - 1) if query.from_ else None)
        last = last or hours.local_day(self._clock(), tz)
        first = query.from_ or last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if first > last:
            raise InvalidRequest(
                "from must not be after to", details={"fields": [_field("from", "after to")]}
            )
        if (last - first).days + 1 > VISIT_RANGE_MAX_DAYS:
            message = f"at most {VISIT_RANGE_MAX_DAYS} days at a time"
            raise InvalidRequest(message, details={"fields": [_field("to", message)]})
        return first, last

    async def _visits(
        self, hub_id: str, first: date, last: date, tz: ZoneInfo, *, fields: dict[str, int] | None
    ) -> list[Doc]:
        await self._events.catch_up(channel_of(hub_id))
        window = {"$gte": hours.day_start(first, tz), "$lt": hours.day_start(last + hours.ONE_DAY, tz)}
        cursor = self._checkins.find({"hub_id": hub_id, "checked_in_at": window, **LIVE}, fields)
        return await cursor.sort("checked_in_at", ASCENDING).to_list()


def _by_purpose(counts: Counter[str]) -> dict[str, int]:
    return {purpose: counts.get(purpose, 0) for purpose in PURPOSES}


def _field(path: str, message: str) -> dict[str, str]:
    return {"path": path, "message": message}


def _row(doc: Doc, tz: ZoneInfo) -> list[str]:
    def utc(at: datetime | None) -> str:
        return "" if at is None else at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def local(at: datetime | None) -> str:
        return "" if at is None else at.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    checked_in, checked_out = doc["checked_in_at"], doc.get("checked_out_at")
    return [
        doc["_id"],
        hours.local_day(checked_in, tz).isoformat(),
        doc.get("kind") or "",
        doc.get("name") or "",
        doc.get("organization") or "",
        doc.get("purpose") or "",
        doc.get("contact") or "",
        utc(checked_in),
        utc(checked_out),
        local(checked_in),
        local(checked_out),
        doc.get("ended_by") or "",
    ]


def _cell(value: str) -> str:
    """Neutralise a formula: Excel shows ``'=1+1`` as the text ``=1+1`` instead of computing it."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
