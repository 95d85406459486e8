"""Message catalogs and the reader's language.

Catalogs are flat files ``hub/web/i18n/<domain>.<locale>.json`` (``{"<domain>.<key>": "text"}``); all
domains of one locale are merged. A key missing in one language falls back to the other, so a page
shows words rather than keys while a translation is pending.
"""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp import web

from hub.principal import Principal

LOCALES = ("ja", "en")  # Japanese first: the default for a visitor who tells us nothing
LOCALE_COOKIE = "dejima_locale"

Catalogs = dict[str, dict[str, str]]


def load_catalogs(folder: Path) -> Catalogs:
    own: Catalogs = {locale: {} for locale in LOCALES}
    for path in sorted(folder.glob("*.json")):
        stem = path.name.removesuffix(".json")
        domain, _, locale = stem.rpartition(".")
        if locale not in own or not domain:
            raise ValueError(f"{path}: catalog files are named <domain>.<ja|en>.json")
        entries = json.loads(path.read_text(encoding="utf-8"))
        for key, text in entries.items():
            if not isinstance(text, str):
                raise ValueError(f"{path}: {key} is not a string")
            own[locale][key] = text
    merged: Catalogs = {}
    for locale in LOCALES:
        fallback: dict[str, str] = {}
        for other in reversed(LOCALES):
            if other != locale:
                fallback.update(own[other])
        merged[locale] = {**fallback, **own[locale]}
    return merged


def choose_locale(request: web.Request, principal: Principal | None) -> str:
    """The reader's explicit choice, else their account's language, else the browser's, else Japanese."""
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in LOCALES:
        return chosen
    if principal is not None and principal.locale in LOCALES:
        return principal.locale
    return _from_accept_language(request.headers.get("Accept-Language", ""))


def _from_accept_language(header: str) -> str:
    best, best_q = LOCALES[0], -1.0
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        if language not in LOCALES:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        # Earlier entries win ties, as the browser listed them in order of preference.
        score = q - position * 1e-6
        if score > best_q:
            best, best_q = language, score
    return best


def safe_next(value: str | None) -> str:
    """A path on this site to go to after sign-in; anything else (another site, a scheme) → ``/``."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return "/"
    return value
