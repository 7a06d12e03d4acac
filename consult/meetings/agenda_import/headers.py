"""What an item header looks like: "3. Title", "Agendapunt 3a - Title", "A. Title", "B.Title"."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "3. Title", "3 Title", "3) Title", "3A. Title", "3a Title", "6.1 Title", "6.1. Title".
NUMBERED = re.compile(r"^(\d{1,2})(?:\.(\d{1,2})|([A-Za-z]))?(?:[.)]\s*|\s+)(.+)$")
# "Agendapunt 4: Title", "Agendapunt 3a - Title", "Agendapunt 6.1 Title".
AGENDAPUNT = re.compile(
    r"^agendapunt\s+(\d{1,2})(?:\.(\d{1,2})|\s*([A-Za-z])\b)?\.?\s*[:.)\-\u2013]?\s*(.*)$", re.I
)
# "A. Title" / "a) Title" / "B.Title": a sub-item of the current numbered item.
LETTERED = re.compile(r"^([A-Za-z])[.)](?:\s+(.+)|([A-Z\u00c0-\u00de].*))$")
# "VNG A. Digitale weerbaarheid": the first sub-item written on its parent's line.
_INLINE_FIRST_SUB = re.compile(r"^(\S.{0,80}?)\s+([Aa])[.)]\s*([A-Z\u00c0-\u00de].*)$")
# A numbered line that is a point of a list ("1. Digitale weerbaarheid:"), not an item.
LIST_POINT = re.compile(r"^\d{1,2}[.)]\s")

# A jump larger than this is text ("50 gemeenten"), unless the line stands alone like a header.
MAX_NUMBER_JUMP = 3
MAX_HEADER_WORDS = 15


@dataclass
class Header:
    number: int
    sub: str  # "" or "A" or "1"
    title: str
    # How the header was written: "typed" (its own number), "lost" (a "1." once more: the
    # numbering was lost in copying), "nested" (a numbered line right under a header),
    # "letter" ("A. Title") or "inline" (the "A." on its parent's line).
    shape: str = "typed"
    typed: int = 0  # the number as written, when it differs from `number` ("1." once more)


def sub_index(sub: str) -> tuple[str, int]:
    return ("digit", int(sub)) if sub.isdigit() else ("letter", ord(sub.upper()) - ord("A") + 1)


def sub_follows(last: tuple[str, int] | None, sub: str) -> bool:
    """Sub-items count up from A/1 in small steps; anything else is probably text."""
    kind, index = sub_index(sub)
    if last is None:
        return 1 <= index <= MAX_NUMBER_JUMP
    return kind == last[0] and last[1] < index <= last[1] + MAX_NUMBER_JUMP


def looks_like_title(title: str, standalone: bool) -> bool:
    if not title:
        return False
    if title[0].isupper():
        return True
    # A lower-case title only counts on its own line and when it does not read as a sentence.
    return standalone and not title.endswith((".", ",", ";", ":"))


def reads_as_heading(title: str) -> bool:
    """A short line that does not end like a sentence or a list's lead-in."""
    return (bool(title) and title[0].isupper() and len(title.split()) <= MAX_HEADER_WORDS
            and not title.endswith((".", ",", ";", ":")))


def split_inline_sub(title: str) -> tuple[str, str] | None:
    """("VNG", "Digitale weerbaarheid") from "VNG A. Digitale weerbaarheid"."""
    match = _INLINE_FIRST_SUB.match(title)
    if not match:
        return None
    parent, sub_title = match.group(1).strip(" :-\u2013"), match.group(3).strip()
    if len(parent.split()) > 6 or not reads_as_heading(sub_title):
        return None
    return parent, sub_title


def lettered(line: str) -> tuple[str, str] | None:
    match = LETTERED.match(line)
    if not match:
        return None
    return match.group(1), (match.group(2) or match.group(3)).strip()
