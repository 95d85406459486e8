"""Shapes shared by every part of the contract."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

# The contract's times: RFC 3339 in UTC with a trailing Z.
UtcDatetime = Annotated[
    datetime,
    PlainSerializer(
        lambda value: value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        return_type=str,
        when_used="json",
    ),
]


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
