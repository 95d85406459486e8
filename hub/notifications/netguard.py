"""Server-side request forgery guard for partner webhook URLs.

A partner chooses the URL Dejima posts to, so without a guard they could make our servers call
anything on our own network (MongoDB, Redis, a cloud metadata service). Unless
``DEJIMA_WEBHOOK_ALLOW_PRIVATE`` is true, a URL whose host is, or resolves to, a loopback, private,
link-local, multicast, reserved or unspecified address is refused: when it is registered, and again
when each delivery connects, through a resolver that checks the very addresses the connection will
use (DNS can change between the two, on purpose or not).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(OSError):
    """The host is, or resolves to, an address Dejima does not post to."""


def is_public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_loopback or address.is_link_local
    )


def literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def url_problem(url: str) -> str | None:
    """What is wrong with the shape of a webhook URL, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "must be an http:// or https:// URL"
    if not parts.hostname:
        return "must name a host"
    if parts.username or parts.password:
        return "must not carry a user name or password"
    return None


async def resolve_all(host: str, port: int) -> list[IpAddress]:
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    resolver = ThreadedResolver()
    try:
        results = await resolver.resolve(host, port, family=socket.AF_UNSPEC)
    finally:
        await resolver.close()
    return [ipaddress.ip_address(result["host"]) for result in results]


# Each reason above as a stable code, for pages that explain it in the reader's language.
_REASON_CODES = (
    ("must be an http", "url_scheme"),
    ("must name a host", "url_host"),
    ("must not carry", "url_credentials"),
    ("the host does not resolve", "url_unresolvable"),
    ("the host resolves to a private", "url_private"),
)


def reason_code(reason: str) -> str:
    """The code of a reason given by ``blocked_reason`` (``url_refused`` for any other)."""
    return next((code for start, code in _REASON_CODES if reason.startswith(start)), "url_refused")


async def blocked_reason(url: str, *, allow_private: bool) -> str | None:
    """Why Dejima will not post to ``url`` now, or None when it may."""
    problem = url_problem(url)
    if problem is not None:
        return problem
    if allow_private:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = await resolve_all(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as error:
        return f"the host does not resolve: {error}"
    blocked = [str(address) for address in addresses if not is_public(address)]
    if blocked:
        return f"the host resolves to a private or loopback address ({', '.join(blocked)})"
    return None


class GuardedResolver(AbstractResolver):
    """Resolves like aiohttp does, and refuses hosts with any non-public address."""

    def __init__(self) -> None:
        self._inner = ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: Any = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if not is_public(ipaddress.ip_address(result["host"])):
                raise BlockedAddress(f"{host} resolves to a non-public address {result['host']}")
        return results

    async def close(self) -> None:
        await self._inner.close()
