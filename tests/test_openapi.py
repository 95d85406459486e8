"""/api/openapi.json: valid OpenAPI 3.1, every /api route described from the schemas in use."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from hub.http.openapi import api_routes, undocumented


async def test_document_is_valid_openapi_3_1(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    document = await response.json()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises with the offending path when the shape is wrong


async def test_every_api_route_is_declared_and_listed(client: TestClient[Any, Any]) -> None:
    assert undocumented(client.app) == [], "add @api(...) from hub.http.openapi to these views"
    document = await (await client.get("/api/openapi.json")).json()
    listed = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    registered = {(method, path) for method, path, _ in api_routes(client.app)}
    assert registered == listed
    assert ("POST", "/api/auth/login") in listed


async def test_login_is_described_by_its_schemas(client: TestClient[Any, Any]) -> None:
    document = await (await client.get("/api/openapi.json")).json()
    login = document["paths"]["/api/auth/login"]["post"]
    body_ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = document["components"]["schemas"][body_ref.rsplit("/", 1)[1]]
    assert set(body["required"]) == {"email", "password"}
    assert body["additionalProperties"] is False  # unknown fields are refused (422)
    ok_ref = login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert set(document["components"]["schemas"][ok_ref.rsplit("/", 1)[1]]["properties"]) == {"user", "token"}
    assert {"401", "422", "429"} <= set(login["responses"])
    assert login["security"] == []
    me = document["paths"]["/api/me"]["get"]
    assert me["security"] == [{"bearer": []}, {"session": []}]
    assert "401" in me["responses"]


async def test_lists_queries_path_parameters_and_csv_are_described(
    settings: Any, aiohttp_client: Any
) -> None:
    from aiohttp import web
    from pydantic import BaseModel

    from hub.app import create_app
    from hub.http.openapi import api
    from schemas.common import Strict, UtcDatetime

    class Thing(BaseModel):
        id: str
        at: UtcDatetime

    class NewThing(Strict):
        title: str

    class Window(Strict):
        active: bool = False

    @api(summary="Things of a hub", response=list[Thing], query=Window)
    async def things(request: web.Request) -> web.Response:
        return web.json_response([])

    @api(summary="Make a thing", body=NewThing, response=Thing, status=201, idempotent=True)
    async def make(request: web.Request) -> web.Response:
        return web.json_response({})

    @api(summary="Things as CSV", media_type="text/csv")
    async def csv(request: web.Request) -> web.Response:
        return web.Response(text="")

    app = create_app(settings)
    app.router.add_get("/api/hubs/{hub_id}/things", things)
    app.router.add_post("/api/hubs/{hub_id}/things", make)
    app.router.add_get(r"/api/hubs/{hub_id}/things.csv", csv)
    client = await aiohttp_client(app)
    document = await (await client.get("/api/openapi.json")).json()
    validate(document)
    listing = document["paths"]["/api/hubs/{hub_id}/things"]["get"]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert {(p["name"], p["in"]) for p in listing["parameters"]} == {("hub_id", "path"), ("active", "query")}
    creation = document["paths"]["/api/hubs/{hub_id}/things"]["post"]
    assert "201" in creation["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in creation["parameters"])
    thing = document["components"]["schemas"]["Thing"]
    assert thing["properties"]["at"]["type"] == "string"  # times go out as RFC 3339 strings
    csv_doc = document["paths"]["/api/hubs/{hub_id}/things.csv"]["get"]
    assert "text/csv" in csv_doc["responses"]["200"]["content"]
