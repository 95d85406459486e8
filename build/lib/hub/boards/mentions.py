"""``@name`` mentions in comments: who is meant, among the people who can read the board.

Rules (docs/boards.md, "Mentions"). A mention is ``@`` followed by text up to a space or punctuation
(``@佐藤さん、`` gives ``佐藤さん``). A person answers to these handles, compared case-insensitively:
the local part of their e-mail address (``@sato``), their whole name without spaces (``@佐藤淳一``,
``@JunichiSato``) and each space-separated part of their name of two characters or more (``@佐藤``,
``@Junichi``). A mention matches a handle it starts with — so Japanese honorifics (``@佐藤さん``)
still match — except that a Latin handle must end where a Latin word ends (``@satoshi`` is not
``@sato``). The longest matching handle wins; everyone answering to it is mentioned, at most
``MAX_PEOPLE_PER_MENTION`` of them (a mention that vague notifies no one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hub.limits import MAX_PEOPLE_PER_MENTION

_MIN_PART_CHARS = 2
_MENTION = re.compile(r"(?<![\w@.])@([^\s@,;:!?、。，．！？「」『』()（）\[\]<>\"'`]+)")
_LATIN = re.compile(r"[A-Za-z0-9_]")


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    email: str


def handles(person: Person) -> set[str]:
    found = {person.email.split("@", 1)[0].casefold(), "".join(person.name.split()).casefold()}
    found.update(part.casefold() for part in person.name.split() if len(part) >= _MIN_PART_CHARS)
    return {handle for handle in found if handle}


def mentioned(text: str, people: Iterable[Person]) -> list[str]:
    """Ids of the people the text mentions, in the order of their first mention."""
    by_handle: dict[str, list[str]] = {}
    for person in people:
        for handle in handles(person):
            by_handle.setdefault(handle, []).append(person.id)
    result: list[str] = []
    for match in _MENTION.finditer(text):
        token = match.group(1).rstrip(".").casefold()
        best = _longest_handle(token, by_handle)
        if best is None:
            continue
        ids = by_handle[best]
        if len(ids) > MAX_PEOPLE_PER_MENTION:
            continue
        result.extend(person_id for person_id in ids if person_id not in result)
    return result


def _longest_handle(token: str, by_handle: dict[str, list[str]]) -> str | None:
    for end in range(len(token), 0, -1):
        handle = token[:end]
        if handle not in by_handle:
            continue
        rest = token[end:]
        if rest and _LATIN.match(handle[-1]) and _LATIN.match(rest[0]):
            continue
        return handle
    return None
