"""The client's address, for throttling and the audit log.

It is the peer address of the connection, unless settings say that ``trusted_proxy_count`` reverse
proxies stand in front of us: each appends the address it saw to ``X-Forwarded-For``, so the client
is the entry that many places from the right. Entries further left were written by the client itself
and are never believed (they would let anyone escape the per-address sign-in limit).
"""

from __future__ import annotations

import ipaddress

from aiohttp import web

from hub import keys


def client_address(request: web.Request) -> str:
    peer = request.remote or "unknown"
    hops = request.app[keys.SETTINGS].trusted_proxy_count
    if hops <= 0:
        return peer
    entries = [
        part.strip() for header in request.headers.getall("X-Forwarded-For", []) for part in header.split(",")
    ]
    entries = [entry for entry in entries if entry]
    if len(entries) < hops:
        # Fewer entries than proxies: the request skipped a proxy; the peer is all we know.
        return peer
    candidate = entries[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
