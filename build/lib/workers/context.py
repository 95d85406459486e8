"""Typed access to what ``on_startup`` put in an arq job's context."""

from __future__ import annotations

from typing import Any

from hub.services import Services


def services_of(ctx: dict[str, Any]) -> Services:
    services: Services = ctx["services"]
    return services
