"""Small assertions shared by the identity and projects tests."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientResponse


async def expect_error(response: ClientResponse, status: int, code: str) -> dict[str, Any]:
    """The contract's error body with this status and code; returns the ``error`` object."""
    text = await response.text()
    assert response.status == status, f"{response.status} != {status}: {text}"
    body = await response.json()
    assert set(body) >= {"error"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return dict(body["error"])


def field_paths(error: dict[str, Any]) -> set[str]:
    return {item["path"] for item in error.get("details", {}).get("fields", [])}
