"""Text that people type, as request bodies accept it: kept exactly as given, within limits.

Names and titles are one line: control characters (including newlines) are refused. Longer texts
(bodies, descriptions, summaries) may hold ``\\n`` and ``\\t`` but no other control character: a
``\\r`` or a NUL in a notice reaches e-mail headers, LINE messages and CSV files, where it means
something. Lone surrogates (possible in JSON as ``"\\ud800"``) are refused everywhere, since they
cannot be stored as UTF-8.

The one import of ours is ``hub.limits``, a leaf module of constants, so that each limit is written once.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from hub.limits import (
    MAX_EMAIL_CHARS,
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_PASSWORD_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    MIN_PASSWORD_CHARS,
)

_MULTILINE_ALLOWED = frozenset("\n\t")
# Bidirectional overrides and isolates can make a one-line name display as something else (on the
# wall, in a list of cards, in an e-mail subject).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _check(value: str, *, multiline: bool) -> str:
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise ValueError("must not contain lone surrogate code points")
        if category == "Cc" and not (multiline and char in _MULTILINE_ALLOWED):
            raise ValueError(f"must not contain the control character U+{ord(char):04X}")
    return value


def single_line(value: str) -> str:
    _check(value, multiline=False)
    if any(char in _BIDI_CONTROLS for char in value):
        raise ValueError("must not contain bidirectional control characters")
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def multi_line(value: str) -> str:
    return _check(value, multiline=True)


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def no_surrogates(value: str) -> str:
    if any(unicodedata.category(char) == "Cs" for char in value):
        raise ValueError("must not contain lone surrogate code points")
    return value


Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_CHARS), AfterValidator(single_line)]
Title = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_TITLE_CHARS), AfterValidator(single_line)
]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS), AfterValidator(multi_line)]
# A text that must say something: a comment, the body of an announcement.
RequiredText = Annotated[Text, StringConstraints(min_length=1), AfterValidator(not_blank)]
# Opaque ids as callers send them: ours, or short slugs such as the hub ids ``bandai``.
Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_CHARS, pattern=r"^[A-Za-z0-9_.-]+$")]
Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=MAX_EMAIL_CHARS, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"),
    AfterValidator(single_line),
]
# A password being set: long enough to matter. Any character but a lone surrogate is fine.
NewPassword = Annotated[
    str,
    StringConstraints(min_length=MIN_PASSWORD_CHARS, max_length=MAX_PASSWORD_CHARS),
    AfterValidator(no_surrogates),
]
# A password being checked: whatever was set before, so no minimum.
Password = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_CHARS), AfterValidator(no_surrogates)
]
