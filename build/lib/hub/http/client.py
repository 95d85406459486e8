"""Who is on the other end: the client's address (throttling, the audit log) and the origin the
request was addressed to (cross-site checks), behind a reverse proxy too.

``X-Forwarded-*`` headers are believed only when the connection comes from a proxy named in
``DEJIMA_TRUSTED_PROXIES`` (addresses or networks): anyone else could write them, to escape the
per-address sign-in limit or to pose as another origin. Behind trusted proxies, each appends the
address it saw to ``X-Forwarded-For``; the client is the rightmost entry that is not itself a
trusted proxy. Entries further left were written by the client and are never believed.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web

from hub import keys


def _trusted(request: web.Request, address: str | None) -> bool:
    networks = request.app[keys.SETTINGS].trusted_proxies
    if not networks or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def behind_trusted_proxy(request: web.Request) -> bool:
    return _trusted(request, request.remote)


def client_address(request: web.Request) -> str:
    peer = request.remote or "unknown"
    if not behind_trusted_proxy(request):
        return peer
    entries = [
        part.strip() for header in request.headers.getall("X-Forwarded-For", []) for part in header.split(",")
    ]
    for entry in reversed([entry for entry in entries if entry]):
        if _trusted(request, entry):
            continue  # one more proxy of ours
        try:
            return str(ipaddress.ip_address(entry))
        except ValueError:
            return peer  # a proxy of ours wrote junk: the proxy is all we know
    return peer


def request_origin(request: web.Request) -> str:
    """The origin this request was addressed to, as the browser sees it (behind the proxy too)."""
    scheme, host = request.scheme, request.host
    if behind_trusted_proxy(request):
        scheme = request.headers.get("X-Forwarded-Proto", scheme).split(",")[0].strip()
        host = request.headers.get("X-Forwarded-Host", host).split(",")[0].strip()
    return f"{scheme}://{host}"
