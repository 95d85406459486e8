"""The web shell: pages wrapped in the base layout, static files, message catalogs, security headers.

A page is a fragment ``hub/web/pages/<name>.html`` plus an optional script ``hub/web/static/pages/<name>.js``,
registered with :func:`add_page`. The server translates the fragment for the first paint
(``hub/web/markup.py``) and injects the catalog as JSON for ``hub/web/static/app.js``; it never writes
user data into HTML as markup. The one way user data enters a page is ``reads``: the JSON answers of
the API reads its script makes first, sent inert (``<script type="application/json">``) at the end
of the page. How to add a page: docs/web.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import string
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from hub import keys
from hub.errors import DomainError
from hub.http.auth import optional_principal
from hub.http.middlewares import wants_html
from hub.principal import Principal
from hub.web.assets import StaticAssets
from hub.web.catalogs import LOCALE_COOKIE, LOCALES, Catalogs, choose_locale, load_catalogs, safe_next
from hub.web.markup import translate
from hub.web.modules import module_graph

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
# A year: the choice of language is a preference, not a secret.
LOCALE_COOKIE_MAX_AGE_S = 365 * 24 * 3600
NAV_LINKS_MARKER = "<!--nav-links-->"
# Where a page's reads are written (base.html, before ``</body>``): everything above it is sent first.
READS_MARKER = "<!--page-reads-->"

# One of a page's first API reads, done by the page's own request for a signed-in visitor: the JSON
# the script's GET would get, whole or in pieces. A ``DomainError`` (no such board, no right to it)
# means "not written": the script then asks the API itself and shows its answer as always.
PageRead = Callable[[web.Request, Principal], Awaitable[bytes | AsyncIterator[bytes]]]

# No inline script or style anywhere, no framing, no plugins. 'self' covers same-origin ws:/wss:.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Page:
    path: str
    name: str
    title_key: str
    auth: bool
    nav: bool
    fragment: str
    has_script: bool
    # What its script imports, all the way down (hub/web/modules.py), asked for at once (versioned
    # URLs, hub/web/assets.py).
    preloads: tuple[str, ...] = ()
    # The API reads the page's script makes first, by name (``takeRead(name)`` in app.js), written
    # into the page after its head has gone out: they are done while the modules load, on the page's
    # own connection, instead of after the modules have run (or behind them for a connection).
    reads: tuple[tuple[str, PageRead], ...] = ()
    # Only these roles see it in the menu (None: everyone who may open it).
    nav_roles: frozenset[str] | None = None


@dataclass
class WebShell:
    web_dir: Path
    assets: StaticAssets
    catalogs: Catalogs
    base: string.Template
    not_found: Page
    pages: list[Page] = field(default_factory=list)


def setup_web(app: web.Application, *, web_dir: Path = WEB_DIR, keep_static: bool = True) -> None:
    """Static files, catalogs, the language switch, security headers, and the home and login pages.

    ``keep_static``: browsers may keep the static files until the next version (hub/web/assets.py);
    off for ``dejima dev``, where files edited while the hub runs must show on reload."""
    assets = StaticAssets(web_dir / "static", kept=keep_static)
    shell = WebShell(
        web_dir=web_dir,
        assets=assets,
        catalogs=load_catalogs(web_dir / "i18n"),
        base=string.Template(
            assets.in_markup((web_dir / "templates" / "base.html").read_text(encoding="utf-8"))
        ),
        not_found=_load_page(
            web_dir, assets, path="", name="not_found", title_key="shell.not_found", auth=False, nav=False
        ),
    )
    app[keys.WEB] = shell
    assets.add_routes(app)
    app.router.add_get("/i18n/{locale}.json", catalog_view)
    app.router.add_get("/locale/{locale}", locale_view)
    app.on_response_prepare.append(_security_headers)
    add_page(app, path="/", name="home", title_key="shell.home", auth=False)
    add_page(app, path="/login", name="login", title_key="login.title", auth=False)
    add_page(app, path="/forgot-password", name="forgot_password", title_key="login.forgot_title", auth=False)
    add_page(app, path="/set-password", name="set_password", title_key="login.set_title", auth=False)


def add_page(
    app: web.Application,
    *,
    path: str,
    name: str,
    title_key: str,
    auth: bool = True,
    nav: bool = False,
    nav_roles: frozenset[str] | None = None,
    reads: tuple[tuple[str, PageRead], ...] = (),
) -> None:
    """Serve ``hub/web/pages/<name>.html`` at ``path`` in the base layout.

    ``auth``: visitors who are not signed in are sent to ``/login?next=<this page>``.
    ``nav``: the page is linked from the header (and the home page) for those who may open it;
    ``nav_roles`` narrows that to some roles (admin pages in an admin's menu only).
    ``reads``: ``(name, read)`` pairs, the API reads the script makes first, e.g. the board's
    snapshot; for a signed-in visitor each answer is written into the page (docs/web.md, "A page in
    four files").
    """
    shell = app[keys.WEB]
    page = _load_page(
        shell.web_dir, shell.assets, path=path, name=name, title_key=title_key, auth=auth, nav=nav
    )
    if nav_roles is not None:
        page = replace(page, nav_roles=nav_roles)
    if reads:
        page = replace(page, reads=reads)
    shell.pages.append(page)
    app.router.add_get(path, _page_handler(page))


def _load_page(
    web_dir: Path, assets: StaticAssets, *, path: str, name: str, title_key: str, auth: bool, nav: bool
) -> Page:
    has_script = (web_dir / "static" / "pages" / f"{name}.js").is_file()
    modules = module_graph(web_dir / "static", f"/static/pages/{name}.js") if has_script else ()
    return Page(
        path=path,
        name=name,
        title_key=title_key,
        auth=auth,
        nav=nav,
        fragment=assets.in_markup((web_dir / "pages" / f"{name}.html").read_text(encoding="utf-8")),
        has_script=has_script,
        preloads=tuple(assets.url(module) for module in modules),
    )


def _page_handler(page: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        principal = await optional_principal(request)
        if page.auth and principal is None:
            raise web.HTTPSeeOther("/login?next=" + quote(request.rel_url.path_qs, safe="/"))
        if page.name == "login" and principal is not None:
            raise web.HTTPSeeOther(safe_next(request.query.get("next")))
        if page.reads and principal is not None:
            return await _render_with_reads(request, page, principal)
        return render(request, page, principal=principal)

    return handler


def render(
    request: web.Request, page: Page, *, principal: Principal | None, status: int = 200
) -> web.Response:
    body = _document(request, page, principal=principal).replace(READS_MARKER, "")
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=_HEADERS)


# A page is checked again by the browser each time (no-cache); Vary, because its language and its
# signed-in parts depend on the cookie and the browser's languages.
_HEADERS = {"Cache-Control": "no-cache", "Vary": "Cookie, Accept-Language"}
# A page with reads holds the visitor's own data: never stored by a cache, the browser's included.
_HEADERS_WITH_READS = {"Cache-Control": "private, no-store", "Vary": "Cookie, Accept-Language"}


async def _render_with_reads(request: web.Request, page: Page, principal: Principal) -> web.StreamResponse:
    """The page up to its reads at once, so the browser asks for the modules; then each read's JSON
    as it is made; then the rest. The modules run after the whole page is parsed, so they find it.
    The reads start first: their round trips to the database overlap the page's translation."""
    reads = [(name, asyncio.ensure_future(read(request, principal))) for name, read in page.reads]
    try:
        before, _, after = _document(request, page, principal=principal).partition(READS_MARKER)
        response = web.StreamResponse(headers=_HEADERS_WITH_READS)
        response.content_type = "text/html"
        response.charset = "utf-8"
        await response.prepare(request)
        await response.write(before.encode())
        for name, answer in reads:
            await _write_read(response, name, answer)
        await response.write(after.encode())
        await response.write_eof()
    finally:
        for _, answer in reads:
            if not answer.done():
                answer.cancel()  # a visitor who left: what was not written is not made
            elif not answer.cancelled():
                answer.exception()  # seen: a failure was answered above, or nobody is left to tell
    return response


async def _write_read(
    response: web.StreamResponse, name: str, read: asyncio.Future[bytes | AsyncIterator[bytes]]
) -> None:
    try:
        answer = await read
    except DomainError:
        return  # the script asks the API, whose answer (404, 403…) it shows as always
    except Exception:
        # The page's status line has gone, so no error status can follow: the script asks the API.
        log.exception("page read %s failed", name)
        return
    await response.write(f'<script type="application/json" data-read="{_attr(name)}">'.encode())
    try:
        if isinstance(answer, bytes):
            await response.write(_inert(answer))
        else:
            async for piece in answer:
                await response.write(_inert(piece))
    except Exception:
        # The status line has gone: the element is closed with what it holds, which is then not
        # JSON; the script finds that and asks the API instead.
        log.exception("page read %s failed while it was written", name)
    await response.write(b"</script>")


def _inert(json_bytes: bytes) -> bytes:
    """JSON that cannot end its ``<script>`` element or open a comment inside it. Byte by byte is
    safe: in UTF-8 these three bytes are never part of another character."""
    return json_bytes.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")


def _document(request: web.Request, page: Page, *, principal: Principal | None) -> str:
    shell = request.app[keys.WEB]
    locale = choose_locale(request, principal)
    catalog = shell.catalogs[locale]
    signed_in = principal is not None
    nav_links = _nav_links(shell, current=page, role=None if principal is None else principal.role)
    script = (
        "".join(f'<link rel="modulepreload" href="{quote(url)}">' for url in page.preloads)
        + f'<script type="module" src="{quote(shell.assets.url(f"/static/pages/{page.name}.js"))}"></script>'
        if page.has_script
        else ""
    )
    document = shell.base.substitute(
        lang=locale,
        page=_attr(page.name),
        title=_attr(catalog.get(page.title_key, page.title_key) + " — Dejima"),
        title_key=_attr(page.title_key),
        catalog=_script_json(catalog),
        page_script=script,
        nav_links=nav_links,
        here=_attr(quote(request.rel_url.path_qs, safe="/")),
        content=page.fragment.replace(NAV_LINKS_MARKER, nav_links),
    )
    return translate(document, catalog=catalog, signed_in=signed_in)


def _nav_links(shell: WebShell, *, current: Page, role: str | None) -> str:
    items = []
    for page in shell.pages:
        if not page.nav or (page.auth and role is None):
            continue
        if page.nav_roles is not None and role not in page.nav_roles:
            continue
        here = ' aria-current="page"' if page is current else ""
        items.append(
            f'<li><a href="{_attr(page.path)}"{here} data-i18n="{_attr(page.title_key)}">'
            f"{_attr(page.title_key)}</a></li>"
        )
    return "".join(items)


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _script_json(data: object) -> str:
    """JSON that cannot end its ``<script>`` element or open a comment inside it."""
    return _inert(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).decode()


async def catalog_view(request: web.Request) -> web.Response:
    locale = request.match_info["locale"]
    catalogs = request.app[keys.WEB].catalogs
    if locale not in catalogs:
        raise web.HTTPNotFound()
    return web.json_response(catalogs[locale], headers={"Cache-Control": "no-cache"})


async def locale_view(request: web.Request) -> web.Response:
    """The language switch without JavaScript: remember the choice, go back where the reader was."""
    locale = request.match_info["locale"]
    if locale not in LOCALES:
        raise web.HTTPNotFound()
    response = web.HTTPSeeOther(safe_next(request.query.get("next")))
    response.set_cookie(
        LOCALE_COOKIE, locale, max_age=LOCALE_COOKIE_MAX_AGE_S, path="/", samesite="Lax", httponly=False
    )
    raise response


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


@web.middleware
async def not_found_page_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Browsers asking for a page that does not exist get a page, not JSON."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if not wants_html(request) or keys.WEB not in request.app:
            raise
    try:
        principal = await optional_principal(request)
    except DomainError:
        principal = None
    return render(request, request.app[keys.WEB].not_found, principal=principal, status=404)
