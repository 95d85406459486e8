"""Readings for furigana: the text cut into segments whose ``text`` joined is the original, with
``ruby`` (hiragana) on each segment that holds kanji.

SudachiPy with its small dictionary (sudachidict_small, from PyPI) runs in this process: no outside
service ever sees the text. Okurigana are split off a word (行い → 行[おこな] + い), so the ruby sits
over the kanji only. The tokenizer is loaded once, on first use.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from sudachipy import Dictionary, SplitMode

from schemas.residents import Segment

_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]")
_KANA = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fcー]+$")


@functools.cache
def _tokenizer() -> Any:
    # The dictionary takes a moment to load: on first use, not at import.
    dictionary = Dictionary(dict="small")
    # ``tokenizer()`` since SudachiPy 0.7 (``create()`` before it, deprecated since).
    make = getattr(dictionary, "tokenizer", None) or dictionary.create
    return make()


def hiragana(katakana: str) -> str:
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in katakana)


def segments(text: str) -> list[Segment]:
    if not text:
        return []
    out: list[Segment] = []
    position = 0
    for morpheme in _tokenizer().tokenize(text, SplitMode.C):
        begin, end = morpheme.begin(), morpheme.end()
        if begin > position:  # anything the analyser skipped stays as it was
            out.append(Segment(text=text[position:begin]))
        surface = text[begin:end]
        out.extend(_word(surface, hiragana(morpheme.reading_form())))
        position = end
    if position < len(text):
        out.append(Segment(text=text[position:]))
    return _merge(out)


def _word(surface: str, reading: str) -> list[Segment]:
    if not _KANJI.search(surface) or not reading or not _KANA.match(reading):
        return [Segment(text=surface)]
    head = tail = ""
    core, ruby = surface, reading
    # Kana at either end of the word are read as written: peel them off (送り仮名).
    while len(core) > 1 and len(ruby) > 1 and hiragana(core[-1]) == ruby[-1] and not _KANJI.match(core[-1]):
        tail, core, ruby = core[-1] + tail, core[:-1], ruby[:-1]
    while len(core) > 1 and len(ruby) > 1 and hiragana(core[0]) == ruby[0] and not _KANJI.match(core[0]):
        head, core, ruby = head + core[0], core[1:], ruby[1:]
    parts = [Segment(text=head)] if head else []
    parts.append(Segment(text=core, ruby=ruby))
    if tail:
        parts.append(Segment(text=tail))
    return parts


def _merge(parts: list[Segment]) -> list[Segment]:
    """Neighbouring segments without ruby become one."""
    merged: list[Segment] = []
    for part in parts:
        if merged and part.ruby is None and merged[-1].ruby is None:
            merged[-1] = Segment(text=merged[-1].text + part.text)
        else:
            merged.append(part)
    return merged
