"""Real servers for the whole suite: nx-27017 and redis-server started once per session (or the
servers named by DEJIMA_MONGODB_URL / DEJIMA_REDIS_URL), and a clean database for every test."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from hub.app import create_app
from hub.embedded import EmbeddedStack
from hub.settings import Settings
from hub.storage import mongo as mongo_storage
from hub.storage import redis as redis_storage
from tests.watchdog import bounded

TEST_ORIGIN = "http://dejima.test"
# The cheapest argon2id for every app of the suite (Django's test settings swap in MD5 for the same
# reason): a default-cost hash takes 0.4 s on a loaded CI machine, and each app start hashes the first
# admin's password. The tests check who may sign in, not what a guess costs;
# tests/identity/test_password_cost.py checks the cost a deployment gets.
CHEAP_PASSWORDS: dict[str, Any] = {
    "password_time_cost": 1,
    "password_memory_kib": 8,
    "password_parallelism": 1,
}


@dataclass(frozen=True)
class Servers:
    mongodb_url: str
    redis_url: str
    stack: EmbeddedStack | None


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    mongodb_url = os.environ.get("DEJIMA_MONGODB_URL")
    redis_url = os.environ.get("DEJIMA_REDIS_URL")
    stack = None
    if not (mongodb_url and redis_url):
        stack = EmbeddedStack(data_dir=tmp_path_factory.mktemp("stack"), persistent=False)
        stack.start()
    try:
        yield Servers(
            mongodb_url=mongodb_url or stack.mongodb_url if stack else mongodb_url or "",
            redis_url=redis_url or stack.redis_url if stack else redis_url or "",
            stack=stack,
        )
    finally:
        if stack is not None:
            stack.stop()


@pytest.fixture
def database_name() -> str:
    return "t_" + secrets.token_hex(6)


@pytest.fixture
def settings(servers: Servers, database_name: str) -> Settings:
    return Settings(
        mongodb_url=servers.mongodb_url,
        redis_url=servers.redis_url,
        mongodb_database=database_name,
        secret_key="test-secret-" + "x" * 40,
        allowed_origins=[TEST_ORIGIN],
        admin_email="admin@dejima.test",
        admin_password="admin-password-1",
        **CHEAP_PASSWORDS,
    )


@pytest.fixture
async def mongo(servers: Servers, database_name: str) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client = mongo_storage.open_client(servers.mongodb_url)
    try:
        yield client
    finally:
        await client.drop_database(database_name)
        await client.close()


@pytest.fixture
async def redis(servers: Servers) -> AsyncIterator[Redis]:
    client = redis_storage.open_client(servers.redis_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()


AppFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
async def aiohttp_client() -> AsyncIterator[Callable[..., Awaitable[TestClient[Any, Any]]]]:
    """pytest-aiohttp's factory, with two changes to how an app is stopped: a request still running
    is given 1 s rather than aiohttp's 60 (as the browser tests' servers), and the whole stop is
    bounded (tests/watchdog.py: a hang is reported with the pending tasks, not a timeout)."""
    clients: list[TestClient[Any, Any]] = []

    async def start(app: web.Application) -> TestClient[Any, Any]:
        server = TestServer(app)
        await server.start_server(shutdown_timeout=1.0)
        client: TestClient[Any, Any] = TestClient(server)
        await client.start_server()
        clients.append(client)
        return client

    yield start
    while clients:
        client = clients.pop()
        if not await bounded(client.close(), what=f"stopping the app on port {client.port}"):
            await client.session.close()


@pytest.fixture
async def make_client(
    aiohttp_client: Any, settings: Settings, mongo: AsyncMongoClient[dict[str, Any]], redis: Redis
) -> AppFactory:
    """Start one more app instance on the test's database (tests of two instances call it twice)."""

    async def factory(**overrides: Any) -> TestClient[Any, Any]:
        app_settings = settings.model_copy(update=overrides) if overrides else settings
        client: TestClient[Any, Any] = await aiohttp_client(create_app(app_settings))
        return client

    return factory


@pytest.fixture
async def client(make_client: AppFactory) -> TestClient[Any, Any]:
    return await make_client()


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


UserFactory = Callable[..., Awaitable[Account]]


@pytest.fixture
async def make_user(client: TestClient[Any, Any]) -> UserFactory:
    """Create a user directly through the service and sign them in through the API."""
    from hub import keys

    counter = iter(range(1, 1_000_000))

    async def factory(role: str = "member", **fields: Any) -> Account:
        number = next(counter)
        email = fields.pop("email", f"{role}{number}@dejima.test")
        password = fields.pop("password", f"password-{number}-{role}")
        name = fields.pop("name", f"{role.title()} {number}")
        services = client.app[keys.SERVICES]
        user = await services.identity.users.create(
            email=email, name=name, role=role, password=password, **fields
        )
        response = await client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status == 200, await response.text()
        token = (await response.json())["token"]
        # Keep the shared client anonymous: the login set a session cookie in its jar.
        client.session.cookie_jar.clear()
        return Account(id=user.id, email=email, password=password, token=token)

    return factory


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
