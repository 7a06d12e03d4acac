"""What an item's text says about it: its purpose, its presenter, whether it asks input."""

from __future__ import annotations

import re

from consult.meetings.agenda_import.phrases import (
    ASKING,
    NOT_A_NAME,
    PRESENTER_PHRASES,
    PURPOSE_PHRASES,
    ROUTINE_TITLE,
)

_PURPOSE_RES = [(code, re.compile(pattern, re.I)) for code, pattern in PURPOSE_PHRASES]
# "Common Ground (ter bespreking)" or "Common Ground - ter bespreking" at the end of a title.
_TITLE_PURPOSE = re.compile(r"\s*(?:\(([^()]*)\)|[-\u2013:]\s*(ter\s+\w+))\s*\.?$", re.I)

_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_TUSSENVOEGSEL = r"(?:van|de|der|den|het|ten|ter|te|in|op|'t|d'|la|le|du|von|vd)"
_NAME_WORD = rf"(?:[{_UPPER}]\.)+|[{_UPPER}][\w'\u2019-]+"
# Bounded repetitions: a name has a few words, and an unbounded pattern would backtrack
# through every run of capitalised words (seconds on a long pasted text).
_NAME = rf"(?:{_NAME_WORD})(?:\s+(?:{_TUSSENVOEGSEL}\s+){{0,3}}(?:{_NAME_WORD})){{0,4}}"
_NAMES = rf"({_NAME}(?:\s+en\s+{_NAME})?)"
_PRESENTER_RES = [re.compile(phrase.replace("{name}", _NAMES)) for phrase in PRESENTER_PHRASES]
_ROUTINE_RE = re.compile(ROUTINE_TITLE, re.I)
_ASKING_RE = re.compile(ASKING, re.I)


def find_purpose(text: str) -> str | None:
    """The purpose mentioned last wins: a closing "Ter bespreking." is the final word."""
    best: tuple[int, str] | None = None
    for code, regex in _PURPOSE_RES:
        for match in regex.finditer(text):
            if best is None or match.start() > best[0]:
                best = (match.start(), code)
    return best[1] if best else None


def split_title_purpose(title: str) -> tuple[str, str | None]:
    match = _TITLE_PURPOSE.search(title)
    if match:
        phrase = match.group(1) or match.group(2)
        purpose = _find_short_purpose(phrase)
        if purpose:
            return title[: match.start()].strip(), purpose
    return title, None


def _find_short_purpose(phrase: str) -> str | None:
    return find_purpose(phrase) if len(phrase.split()) <= 3 else None


def _as_name(found: str) -> str:
    """Drop a sentence's first word that is nobody's name ("Daarna Koen licht toe")."""
    words = found.split()
    while words and words[0] in NOT_A_NAME:
        words.pop(0)
    return " ".join(words)


def find_presenter(text: str) -> str:
    """The first phrasing that names someone, in the order of PRESENTER_PHRASES."""
    for regex in _PRESENTER_RES:
        for match in regex.finditer(text):
            name = _as_name(match.group(1).strip())
            if name:
                return name
    return ""


def is_routine(title: str) -> bool:
    return bool(_ROUTINE_RE.match(title))


def asks_something(text: str) -> bool:
    return bool(_ASKING_RE.search(text))
