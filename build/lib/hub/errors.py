"""Domain errors. Raised anywhere below the views; one middleware turns them into the contract's body.

Codes are the contract's (API.md, Conventions). Nothing here knows about HTTP except the status each
code maps to, which the middleware reads.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "invalid_request"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        # Fields placed next to "error" in the body, e.g. "current" for a stale version.
        self.extra = extra or {}


class InvalidRequest(DomainError):
    code = "invalid_request"
    status = 422


class MalformedRequest(DomainError):
    code = "invalid_request"
    status = 400


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class HubFull(DomainError):
    code = "hub_full"
    status = 409


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s


class Unavailable(DomainError):
    code = "unavailable"
    status = 503


class StartupError(Exception):
    """A dependency named by a setting does not answer at start: the CLI prints one line and exits."""

    def __init__(self, setting: str, reason: str) -> None:
        super().__init__(f"{setting}: {reason}")
        self.setting = setting
        self.reason = reason
