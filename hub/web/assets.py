"""Static files under URLs that name their version, so that browsers keep them.

Pages refer to their styles and scripts as ``/static/v/<version>/…``, where ``<version>`` is a digest
of the whole static tree taken when the hub starts. Those answers may be kept for good (``immutable``):
a deploy that changes any file changes every URL, so a browser never mixes the modules of two
versions, and between deploys it loads a page's dozen modules and styles without asking. Without
this, files had no ``Cache-Control`` and a browser kept each for a guess of its own (a tenth of the
time since the file changed), then asked again one by one, and after a deploy could run a new module
beside a kept old one.

Modules import each other by relative paths, so that a module's imports stay in its version: an
absolute ``/static/…`` import from a versioned module would load a second copy of the module
imported, with its own state (``tests/web/test_assets.py`` checks that none does).

Under ``dejima dev`` the versioned answers are checked again at each load instead (``no-cache``): the
version is taken at start, and a developer's edit must show on reload.

The plain ``/static/…`` URLs still answer (the axe script tests add, a page open across a deploy),
checked again by the browser each time (``no-cache``). During a rolling deploy a page from one
instance may ask another instance for its own version: that instance answers with its own files, not
to be kept, rather than a 404 that would break the page.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from aiohttp import web

from hub.limits import STATIC_VERSIONED_MAX_AGE_S

STATIC_PREFIX = "/static/"
VERSIONED_PREFIX = "/static/v/"
_KEPT = f"public, max-age={STATIC_VERSIONED_MAX_AGE_S}, immutable"
_ASKED_AGAIN = "no-cache"
# ``href="/static/…"`` and ``src="/static/…"`` in the layout and the page fragments.
_STATIC_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")/static/')


class StaticAssets:
    """The static tree, its version, and the versioned URL of each of its files."""

    def __init__(self, static_dir: Path, *, kept: bool = True) -> None:
        self.root = static_dir.resolve()
        self.version = tree_digest(self.root)
        # Off for ``dejima dev``: a file edited while the hub runs keeps its URL, so it is checked.
        self._kept = kept

    def url(self, path: str) -> str:
        """The versioned URL of ``/static/<path>`` (a ``/static/…`` URL)."""
        if not path.startswith(STATIC_PREFIX):
            raise ValueError(f"not a static URL: {path}")
        return f"{VERSIONED_PREFIX}{self.version}/{path.removeprefix(STATIC_PREFIX)}"

    def in_markup(self, html: str) -> str:
        """``html`` with each ``href``/``src`` that names a static file pointing at this version."""
        return _STATIC_ATTRIBUTE.sub(rf"\g<1>{VERSIONED_PREFIX}{self.version}/", html)

    def add_routes(self, app: web.Application) -> None:
        # The versioned route first: ``add_static`` would take ``/static/v/…`` for a file path.
        app.router.add_get(VERSIONED_PREFIX + "{version}/{path:.+}", self._versioned)
        app.router.add_static(STATIC_PREFIX, self.root, follow_symlinks=False)
        app.on_response_prepare.append(self._plain_asked_again)

    async def _versioned(self, request: web.Request) -> web.StreamResponse:
        path = (self.root / request.match_info["path"]).resolve()
        # Inside the tree only (no ``..``, no link out of it), and files only.
        if not path.is_relative_to(self.root) or not path.is_file():
            raise web.HTTPNotFound()
        kept = self._kept and request.match_info["version"] == self.version
        return web.FileResponse(path, headers={"Cache-Control": _KEPT if kept else _ASKED_AGAIN})

    @staticmethod
    async def _plain_asked_again(request: web.Request, response: web.StreamResponse) -> None:
        if request.path.startswith(STATIC_PREFIX) and not request.path.startswith(VERSIONED_PREFIX):
            response.headers.setdefault("Cache-Control", _ASKED_AGAIN)


def tree_digest(root: Path) -> str:
    """A digest of every file's path and bytes under ``root``: it changes when any file does."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]
