"""The web shell over plain HTTP: languages, sign-in redirects, 404 pages, headers, catalogs."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient

from hub import keys
from hub.app import create_app
from hub.settings import Settings
from hub.web.shell import WEB_DIR, add_page
from tests.conftest import UserFactory

HTML = {"Accept": "text/html,application/xhtml+xml"}


def _lang(html: str) -> str:
    match = re.search(r'<html lang="(\w+)"', html)
    assert match, html[:200]
    return match.group(1)


async def test_home_is_japanese_first_and_translated_on_the_server(client: TestClient[Any, Any]) -> None:
    response = await client.get("/", headers=HTML)
    assert response.status == 200
    html = await response.text()
    assert _lang(html) == "ja"
    assert "Dejima とは" in html  # the first paint is already translated
    assert 'href="#main"' in html and '<main id="main"' in html
    assert 'aria-live="polite"' in html and 'role="alert"' in html


async def test_language_from_cookie_then_accept_language(client: TestClient[Any, Any]) -> None:
    english = await client.get("/", headers={**HTML, "Accept-Language": "en-GB,en;q=0.9,ja;q=0.5"})
    assert _lang(await english.text()) == "en"
    client.session.cookie_jar.update_cookies({"dejima_locale": "ja"})
    chosen = await client.get("/", headers={**HTML, "Accept-Language": "en"})
    html = await chosen.text()
    assert _lang(html) == "ja"
    assert "ログイン" in html


async def test_language_switch_without_javascript_remembers_and_returns(client: TestClient[Any, Any]) -> None:
    response = await client.get("/locale/en?next=/login", headers=HTML, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/login"
    assert "dejima_locale=en" in response.headers["Set-Cookie"]
    page = await client.get("/login", headers=HTML)
    assert _lang(await page.text()) == "en"


async def test_language_switch_refuses_to_leave_the_site(client: TestClient[Any, Any]) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        response = await client.get(f"/locale/ja?next={target}", allow_redirects=False)
        assert response.headers["Location"] == "/", target


async def test_auth_page_sends_visitors_to_login_with_next(
    settings: Settings, aiohttp_client: Any, make_user: UserFactory
) -> None:
    app = create_app(settings)
    add_page(app, path="/private", name="home", title_key="shell.home", auth=True, nav=True)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    response = await client.get("/private?tab=1", headers=HTML, allow_redirects=False)
    assert response.status == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/private?tab=1"]}
    account = await make_user("member")
    signed_in = await client.get("/private", headers={**HTML, **account.headers})
    assert signed_in.status == 200
    # The nav links the page for those who may open it, and only for them.
    assert 'href="/private"' in await signed_in.text()
    assert 'href="/private"' not in await (await client.get("/", headers=HTML)).text()


async def test_login_page_of_a_signed_in_user_goes_to_next(
    client: TestClient[Any, Any], make_user: UserFactory
) -> None:
    account = await make_user("member")
    response = await client.get(
        "/login?next=//evil.example", headers={**HTML, **account.headers}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/"


async def test_unknown_page_is_an_html_404_for_browsers_and_json_for_the_api(
    client: TestClient[Any, Any],
) -> None:
    page = await client.get("/no/such/page", headers=HTML)
    assert page.status == 404
    assert page.content_type == "text/html"
    assert "ページが見つかりません" in await page.text()
    api = await client.get("/api/no-such-thing", headers=HTML)
    assert api.status == 404
    assert (await api.json())["error"]["code"] == "not_found"
    script = await client.get("/no/such/page")
    assert (await script.json())["error"]["code"] == "not_found"


async def test_security_headers_on_pages_api_errors_and_static(client: TestClient[Any, Any]) -> None:
    for path, headers in (("/", HTML), ("/api/me", {}), ("/nope", HTML), ("/static/app.js", {})):
        response = await client.get(path, headers=headers)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"


async def test_pages_have_no_inline_script(client: TestClient[Any, Any]) -> None:
    html = await (await client.get("/login", headers=HTML)).text()
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'type="application/json"' in tag or "src=" in tag, tag
    assert " style=" not in html and "<style" not in html


async def test_injected_catalog_cannot_break_out_of_its_script(client: TestClient[Any, Any]) -> None:
    shell = client.app[keys.WEB]
    shell.catalogs["ja"]["home.heading"] = "</script><script>alert(1)</script>"
    html = await (await client.get("/", headers=HTML)).text()
    assert "<script>alert(1)" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html
    block = re.search(r'<script type="application/json" id="dejima-i18n">(.*?)</script>', html, re.S)
    assert block
    assert json.loads(block.group(1))["home.heading"].startswith("</script>")


async def test_merged_catalogs_are_served(client: TestClient[Any, Any]) -> None:
    ja = await (await client.get("/i18n/ja.json")).json()
    en = await (await client.get("/i18n/en.json")).json()
    assert ja["login.title"] == "ログイン" and en["login.title"] == "Sign in"
    assert (await client.get("/i18n/fr.json")).status == 404


def test_every_catalog_has_both_languages_with_the_same_keys_in_its_domain() -> None:
    folder = WEB_DIR / "i18n"
    domains = {path.name.split(".")[0] for path in folder.glob("*.json")}
    assert {"shell", "login", "home", "errors"} <= domains
    for domain in sorted(domains):
        ja = json.loads((folder / f"{domain}.ja.json").read_text(encoding="utf-8"))
        en = json.loads((folder / f"{domain}.en.json").read_text(encoding="utf-8"))
        assert set(ja) == set(en), f"{domain}: keys differ: {set(ja) ^ set(en)}"
        assert all(key.startswith(f"{domain}.") for key in ja), domain


def test_every_i18n_key_used_by_a_page_exists() -> None:
    ja = {}
    for path in (WEB_DIR / "i18n").glob("*.ja.json"):
        ja.update(json.loads(path.read_text(encoding="utf-8")))
    sources = [*(WEB_DIR / "pages").glob("*.html"), WEB_DIR / "templates" / "base.html"]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        used = re.findall(r'data-i18n="([^"]+)"', text)
        used += [
            pair.split(":")[1]
            for spec in re.findall(r'data-i18n-attr="([^"]+)"', text)
            for pair in spec.split(";")
        ]
        missing = [key for key in used if key not in ja]
        assert not missing, f"{path.name}: {missing}"


async def test_a_page_asks_for_its_whole_module_graph_at_once_and_each_module_is_served(
    client: TestClient[Any, Any],
) -> None:
    """``<link rel="modulepreload">`` for every module a page's script imports, directly or not (the
    board's icons come through its view), so none waits for the one importing it; a wrong path
    would cost a 404, so each is fetched."""
    shell = client.app[keys.WEB]
    version = shell.assets.version
    board = next(page for page in shell.pages if page.name == "board")
    assert {f"/static/v/{version}/pages/board_view.js", f"/static/v/{version}/pages/board_icons.js"} <= set(
        board.preloads
    )
    assert f"/static/v/{version}/pages/board.js" not in board.preloads
    for url in {url for page in shell.pages for url in page.preloads}:
        response = await client.get(url)
        assert response.status == 200, url
    html = await (await client.get("/login", headers=HTML)).text()
    assert f'<link rel="modulepreload" href="/static/v/{version}/app.js">' in html
