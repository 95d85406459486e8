"""Health, readiness, metrics and the contract's error body for every kind of bad request."""

from __future__ import annotations

import io
from typing import Any

from aiohttp.test_utils import TestClient


async def test_healthz(client: TestClient[Any, Any]) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_when_both_stores_answer(client: TestClient[Any, Any]) -> None:
    response = await client.get("/readyz")
    assert response.status == 200


async def test_unknown_route_is_contract_404(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/nope")
    assert response.status == 404
    body = await response.json()
    assert body["error"]["code"] == "not_found"


async def test_malformed_json_is_400(client: TestClient[Any, Any]) -> None:
    response = await client.post(
        "/api/auth/login", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_request"


async def test_validation_error_names_field_paths(client: TestClient[Any, Any]) -> None:
    response = await client.post("/api/auth/login", json={"email": "a@b.c"})
    assert response.status == 422
    body = await response.json()
    assert body["error"]["code"] == "invalid_request"
    assert [f["path"] for f in body["error"]["details"]["fields"]] == ["password"]


async def test_body_over_one_mebibyte_is_413(client: TestClient[Any, Any]) -> None:
    big = b'{"email": "' + b"a" * (1024 * 1024 + 10) + b'", "password": "x"}'
    headers = {"Content-Type": "application/json"}
    response = await client.post("/api/auth/login", data=io.BytesIO(big), headers=headers)
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"


async def test_metrics_count_requests_by_route(client: TestClient[Any, Any]) -> None:
    await client.get("/healthz")
    text = await (await client.get("/metrics")).text()
    assert 'dejima_http_requests_total{method="GET",route="/healthz",status="200"}' in text
