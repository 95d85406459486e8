"""The modules a page's script imports, all the way down, so that the page can ask for them at once
(``<link rel="modulepreload">``) instead of discovering them level by level: a board page's script
imports modules that import modules, and each level otherwise costs the browser one more round trip
before the first card is drawn (docs/web.md)."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

# Static imports only (``import … from "x"``, ``export … from "x"``, ``import "x"``); a dynamic
# ``import()`` is loaded when it is needed, not before.
_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^"';]*?(?:\bfrom\s*)?["']([^"']+\.js)["']""", re.MULTILINE)


def module_graph(static_dir: Path, entry: str) -> tuple[str, ...]:
    """The URLs (``/static/…``) of every module ``entry`` (a ``/static/…`` URL) imports, directly or
    not, in the order first met; ``entry`` itself is not among them."""
    seen: list[str] = []
    pending = [entry]
    while pending:
        url = pending.pop(0)
        path = static_dir / PurePosixPath(url).relative_to("/static")
        if not path.is_file():
            continue
        for target in _IMPORT.findall(path.read_text(encoding="utf-8")):
            resolved = _resolve(url, target)
            if resolved is not None and resolved != entry and resolved not in seen:
                seen.append(resolved)
                pending.append(resolved)
    return tuple(seen)


def _resolve(base: str, target: str) -> str | None:
    """``target`` as imported from the module at ``base``; None for another origin."""
    if target.startswith("/"):
        return target if target.startswith("/static/") else None
    if not target.startswith("."):
        return None
    parts: list[str] = list(PurePosixPath(base).parent.parts)
    for part in PurePosixPath(target).parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/" + "/".join(parts[1:]) if parts and parts[0] == "/" else None
