"""Server-side translation of page templates, so the first paint is already in the reader's language.

Templates are our own files; the only things written into them are catalog strings, escaped here.
User data never goes into server-rendered HTML: pages fetch it and set it with ``textContent``.

Markup understood (the same attributes ``hub/web/static/app.js`` applies in the browser):
- ``data-i18n="domain.key"``: the element's text becomes the translation (its content is replaced).
- ``data-i18n-attr="placeholder:domain.key;aria-label:domain.other"``: attributes from the catalog.
- ``data-if="signed-in"`` / ``data-if="signed-out"``: the element is kept only in that state.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from html.parser import HTMLParser

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


def translate(text: str, *, catalog: Mapping[str, str], signed_in: bool) -> str:
    parser = _Translator(catalog, signed_in=signed_in)
    parser.feed(text)
    parser.close()
    return "".join(parser.out)


def parse_attr_spec(spec: str) -> list[tuple[str, str]]:
    """``"placeholder:a.b;title:c.d"`` → ``[("placeholder", "a.b"), ("title", "c.d")]``."""
    pairs = []
    for part in spec.split(";"):
        name, _, key = part.partition(":")
        if name.strip() and key.strip():
            pairs.append((name.strip(), key.strip()))
    return pairs


class _Translator(HTMLParser):
    def __init__(self, catalog: Mapping[str, str], *, signed_in: bool) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self._catalog = catalog
        self._state = "signed-in" if signed_in else "signed-out"
        # While replacing or dropping an element's content: its tag and how deep we are inside it.
        self._skip_tag: str | None = None
        self._skip_depth = 0
        self._skip_emit_end = False

    def _emit(self, text: str) -> None:
        if self._skip_tag is None:
            self.out.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], *, self_closing: bool) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag and not self_closing:
                self._skip_depth += 1
            return
        values = dict(attrs)
        has_content = not self_closing and tag not in _VOID
        condition = values.get("data-if")
        if condition is not None and condition != self._state:
            if has_content:
                self._skip_tag, self._skip_depth, self._skip_emit_end = tag, 1, False
            return
        key = values.get("data-i18n")
        spec = values.get("data-i18n-attr")
        if key is None and spec is None:
            self.out.append(self.get_starttag_text() or "")
            return
        replaced = dict(attrs)
        for name, attr_key in parse_attr_spec(spec or ""):
            if attr_key in self._catalog:
                replaced[name] = self._catalog[attr_key]
        rendered = "".join(
            f" {name}" if value is None else f' {name}="{escape(value, quote=True)}"'
            for name, value in replaced.items()
        )
        self.out.append(f"<{tag}{rendered}{' /' if self_closing else ''}>")
        if key is not None and has_content and key in self._catalog:
            self.out.append(escape(self._catalog[key], quote=False))
            self._skip_tag, self._skip_depth, self._skip_emit_end = tag, 1, True

    def handle_endtag(self, tag: str) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    emit_end = self._skip_emit_end
                    self._skip_tag = None
                    if emit_end:
                        self.out.append(f"</{tag}>")
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self._emit(data)

    def handle_entityref(self, name: str) -> None:
        self._emit(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._emit(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self._emit(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._emit(f"<!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self._emit(f"<![{data}]>")

    def handle_pi(self, data: str) -> None:
        self._emit(f"<?{data}>")
