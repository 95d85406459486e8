"""Secrets never reach the logs: passwords, tokens and the settings' secrets."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.settings import Settings
from tests.conftest import UserFactory


async def test_sign_in_flows_log_no_password_or_token(
    client: TestClient[Any, Any], make_user: UserFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    account = await make_user("member", password="Very-Secret-Password-42")
    wrong = "Wrong-Secret-Password-43"
    assert (
        await client.post("/api/auth/login", json={"email": account.email, "password": wrong})
    ).status == 401
    signed_in = await client.post(
        "/api/auth/login", json={"email": account.email, "password": account.password}
    )
    token = (await signed_in.json())["token"]
    assert (await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})).status == 200
    bad_json = b'{"email": "x@y.z", "password": "Broken-Secret-Password-44"'
    assert (await client.post("/api/auth/login", data=bad_json)).status == 400
    extra = {"email": "x@y.z", "password": "Extra-Secret-Password-45", "admin": True}
    assert (await client.post("/api/auth/login", json=extra)).status == 422
    assert (await client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})).status == 204

    assert caplog.records, "expected some log lines at DEBUG"
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    for secret in (account.password, wrong, "Broken-Secret-Password-44", "Extra-Secret-Password-45", token):
        assert secret not in logged


def test_settings_never_show_their_secrets(settings: Settings) -> None:
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    assert settings.secret_key.get_secret_value() not in shown
    assert settings.admin_password is not None
    assert settings.admin_password.get_secret_value() not in shown
