"""Server-side request forgery guard for partner webhook URLs.

A partner chooses the URL Dejima posts to, so without a guard they could make our servers call
anything on our own network (MongoDB, Redis, a cloud metadata service). Unless
``DEJIMA_WEBHOOK_ALLOW_PRIVATE`` is true, a URL whose host is, or resolves to, a loopback, private,
link-local, multicast, reserved or unspecified address is refused: when it is registered, and again
when each delivery connects, through a resolver that checks the very addresses the connection will
use (DNS can change between the two, on purpose or not).

An IPv6 address can carry an IPv4 address that a relay or translator on the way turns back into an
IPv4 destination: IPv4-mapped and -compatible forms, 6to4 (``2002::/16``), Teredo (``2001::/32``)
and NAT64 (``64:ff9b::/96``). Each IPv4 address inside is checked too, so ``[2002:7f00:1::]`` is
refused like ``127.0.0.1``; the local-use NAT64 prefix ``64:ff9b:1::/48`` is never public.
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


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
# ::a.b.c.d (IPv4-compatible, deprecated) and ::ffff:0:a.b.c.d (IPv4-translated, SIIT).
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a packet to ``address`` may end up at, through a relay or translator."""
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)  # (server, client)
    if address in _NAT64 or address in _IPV4_TRANSLATED or address in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
    return found


def _plainly_public(address: IpAddress) -> bool:
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_loopback or address.is_link_local
    )


def is_public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv4Address):
        return _plainly_public(address)
    if address in _NAT64_LOCAL:
        return False
    inner = _embedded_ipv4(address)
    if address.ipv4_mapped is not None or address in _IPV4_COMPATIBLE or address in _IPV4_TRANSLATED:
        # Not a destination of its own: only the IPv4 address inside counts (``::`` and ``::1`` are
        # refused as unspecified / loopback by their own check).
        return all(_plainly_public(v4) for v4 in inner) and not (
            address.is_loopback or address.is_unspecified
        )
    return _plainly_public(address) and all(_plainly_public(v4) for v4 in inner)


def literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def url_problem(url: str) -> str | None:
    """What is wrong with the shape of a webhook URL, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError as error:  # also "Invalid IPv6 URL" for an unclosed bracket
        return f"is not a valid URL: {error}"
    if parts.scheme not in ("http", "https"):
        return "must be an http:// or https:// URL"
    if not parts.hostname:
        return "must name a host"
    if parts.username or parts.password:
        return "must not carry a user name or password"
    if port == 0:
        return "must not name port 0"
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
