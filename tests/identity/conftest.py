"""Fixtures of the identity tests."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import UserFactory
from tests.identity.helpers import quick_user_factory


@pytest.fixture
async def quick_user(client: TestClient[Any, Any]) -> UserFactory:
    """An account with a session but no password (no argon2): for tests that do not sign in."""
    return quick_user_factory(client)
