"""Shapes shared by every part of the contract."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer

from hub.limits import MAX_YEAR, MIN_YEAR

# The contract's times: RFC 3339 in UTC with a trailing Z.
UtcDatetime = Annotated[
    datetime,
    PlainSerializer(
        lambda value: value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        return_type=str,
        when_used="json",
    ),
]


def _within_years(value: date) -> date:
    # A datetime is a date too; its own (local) year is checked, so that converting it to UTC later
    # cannot overflow (9999-12-31T23:59:59-14:00 is past the year 9999 in UTC).
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"must lie within the years {MIN_YEAR} to {MAX_YEAR}")
    return value


# Every date and time a request may carry, in a body or a query string (hub/limits.py, MIN_YEAR).
Day = Annotated[date, AfterValidator(_within_years)]
Moment = Annotated[datetime, AfterValidator(_within_years)]


class Strict(BaseModel):
    """A request body: unknown fields are refused rather than silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Out(BaseModel):
    """A response body."""

    model_config = ConfigDict(extra="ignore")


class ErrorInfo(Out):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorBody(Out):
    error: ErrorInfo


class Status(Out):
    status: str


def utc_now() -> datetime:
    return datetime.now(UTC)
