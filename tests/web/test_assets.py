"""Static files under versioned URLs (hub/web/assets.py): kept by browsers, changed by a deploy."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from hub import keys
from hub.web.assets import tree_digest
from hub.web.shell import WEB_DIR
from tests.conftest import AppFactory

HTML = {"Accept": "text/html,application/xhtml+xml"}
KEPT = "public, max-age=31536000, immutable"


def _static_urls(html: str) -> list[str]:
    return re.findall(r'\s(?:href|src)="(/static/[^"]+)"', html)


async def test_pages_name_their_styles_and_scripts_by_version_and_browsers_may_keep_them(
    client: TestClient[Any, Any],
) -> None:
    version = client.app[keys.WEB].assets.version
    html = await (await client.get("/login", headers=HTML)).text()
    urls = _static_urls(html)
    assert any(url.endswith("/app.css") for url in urls) and any(url.endswith("/app.js") for url in urls)
    for url in urls:
        assert url.startswith(f"/static/v/{version}/"), url
        kept = await client.get(url)
        assert kept.status == 200, url
        assert kept.headers["Cache-Control"] == KEPT, url
        assert kept.headers["X-Content-Type-Options"] == "nosniff"
        # The same file at its plain URL, which a browser asks about again each time.
        plain = await client.get("/static/" + url.removeprefix(f"/static/v/{version}/"))
        assert plain.status == 200 and await plain.read() == await kept.read(), url
        assert plain.headers["Cache-Control"] == "no-cache", url
    script = await client.get(f"/static/v/{version}/pages/board.js")
    assert script.content_type in ("text/javascript", "application/javascript")


async def test_another_version_gets_this_instances_files_not_to_be_kept(client: TestClient[Any, Any]) -> None:
    """A page from another instance in the middle of a rolling deploy still loads."""
    answer = await client.get("/static/v/0123456789abcdef/app.js")
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "no-cache"
    assert await answer.read() == (WEB_DIR / "static" / "app.js").read_bytes()


async def test_nothing_outside_the_static_files_is_served(client: TestClient[Any, Any]) -> None:
    version = client.app[keys.WEB].assets.version
    for path in (
        f"/static/v/{version}/%2e%2e/shell.py",
        f"/static/v/{version}/%2e%2e/%2e%2e/settings.py",
        f"/static/v/{version}/..%2fshell.py",
        f"/static/v/{version}/pages",
        f"/static/v/{version}/no-such-file.js",
    ):
        answer = await client.get(path)
        assert answer.status == 404, path
        assert b"import" not in await answer.read(), path


def test_no_module_imports_a_static_url_by_its_absolute_path() -> None:
    """Under a versioned page, ``import … from "/static/app.js"`` would load a second app.js beside
    the page's own (its state, its listeners twice)."""
    absolute = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["']/static/""")
    offenders = [
        str(path.relative_to(WEB_DIR))
        for path in (WEB_DIR / "static").rglob("*.js")
        if "vendor" not in path.parts and absolute.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_version_changes_when_any_file_does_and_only_then(tmp_path: Path) -> None:
    tree = tmp_path / "static"
    shutil.copytree(WEB_DIR / "static" / "pages", tree / "pages")
    (tree / "app.js").write_text("export const a = 1;\n", encoding="utf-8")
    first = tree_digest(tree)
    assert tree_digest(tree) == first
    (tree / "app.js").write_text("export const a = 2;\n", encoding="utf-8")
    changed = tree_digest(tree)
    assert changed != first
    (tree / "app.js").rename(tree / "main.js")  # the same bytes under another name
    assert tree_digest(tree) not in (first, changed)


async def test_under_dejima_dev_the_versioned_files_are_checked_again_at_each_load(
    make_client: AppFactory,
) -> None:
    """A file edited while ``dejima dev`` runs keeps its URL: a browser must ask again to see it."""
    client = await make_client(dev=True)
    version = client.app[keys.WEB].assets.version
    answer = await client.get(f"/static/v/{version}/app.js")
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "no-cache"
