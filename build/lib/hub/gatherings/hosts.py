"""What an event's host sees: every registration with its status and whether it arrived, as JSON
and as CSV (formula-safe, UTF-8 with BOM for Excel in Japan)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from hub.doc import Doc
from hub.errors import NotFound
from hub.gatherings.model import LIVE, REGISTRATIONS, registration_row
from hub.gatherings.service import EventCatalogue
from hub.principal import Principal
from hub.rights import Rights
from schemas.gatherings import RegistrationRow

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection, OWASP).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "id",
    "code",
    "name",
    "party_size",
    "status",
    "arrived",
    "arrived_at",
    "registered_at",
    "email",
)


class HostViews:
    def __init__(self, db: AsyncDatabase[Doc], *, catalogue: EventCatalogue, rights: Rights) -> None:
        self._registrations = db[REGISTRATIONS]
        self._catalogue = catalogue
        self._rights = rights

    async def registrations(self, principal: Principal, event_id: str) -> list[RegistrationRow]:
        event = await self._catalogue.readable(principal, event_id)
        if not self._rights.may_see_registrations(principal, creator_id=event["created_by"]):
            raise NotFound("no such event")
        docs = (
            await self._registrations.find({"event_id": event_id, **LIVE}).sort("order", ASCENDING).to_list()
        )
        return [registration_row(doc) for doc in docs]

    async def csv(self, principal: Principal, event_id: str) -> tuple[str, bytes]:
        rows = await self.registrations(principal, event_id)
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    _cell(row.id),
                    _cell(row.code),
                    _cell(row.name or ""),
                    str(row.party_size),
                    row.status,
                    "yes" if row.arrived else "no",
                    _utc(row.arrived_at),
                    _utc(row.registered_at),
                    _cell(row.email or ""),
                ]
            )
        return f"event-{event_id}-registrations.csv", ("\ufeff" + out.getvalue()).encode()


def _utc(at: datetime | None) -> str:
    return "" if at is None else at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _cell(value: str) -> str:
    """Neutralise a formula: Excel shows ``'=1+1`` as the text ``=1+1`` instead of computing it."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
