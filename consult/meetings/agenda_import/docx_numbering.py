"""Word's automatic numbering: the numbers a list paragraph shows, computed from the
numbering definitions (numbering.xml) the way Word counts them.

A paragraph names its list with w:numPr (w:numId, w:ilvl), directly or through its style.
Each w:num points to an abstract definition whose levels carry a start value, a format
(decimal, upperLetter, ...) and a text such as "%1." or "%1%2". Counters run per numId and
level; starting a level resets the levels below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


@lru_cache(maxsize=64)
def _compiled(path: str) -> etree.XPath:
    from lxml import etree

    return etree.XPath(path, namespaces=NS)


def xpath(element, path: str) -> list:
    """lxml's XPath with the w: prefix, for python-docx's elements and plain ones alike."""
    return _compiled(path)(element)


def _val(element, path: str) -> str | None:
    found = xpath(element, f"{path}/@w:val") if element is not None else []
    return str(found[0]) if found else None


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."


@dataclass
class ListNumber:
    """What a list paragraph shows: "3." at level 0, "3A." at level 1."""

    num_id: str
    level: int
    counters: list[int]
    formats: list[str]
    text: str

    @property
    def is_bullet(self) -> bool:
        return self.formats[self.level] in ("bullet", "none")


def _levels(abstract) -> dict[int, Level]:
    levels = {}
    for lvl in xpath(abstract, "./w:lvl"):
        ilvl = _int(lvl.get(f"{{{W}}}ilvl"), 0)
        levels[ilvl] = Level(start=_int(_val(lvl, "./w:start"), 1),
                             fmt=_val(lvl, "./w:numFmt") or "decimal",
                             text=_val(lvl, "./w:lvlText") or "")
    return levels


def read_definitions(numbering) -> dict[str, dict[int, Level]]:
    """Levels per numId, with the w:num's start overrides applied."""
    if numbering is None:
        return {}
    abstracts = {a.get(f"{{{W}}}abstractNumId"): _levels(a)
                 for a in xpath(numbering, "./w:abstractNum")}
    definitions: dict[str, dict[int, Level]] = {}
    for num in xpath(numbering, "./w:num"):
        levels = {ilvl: Level(level.start, level.fmt, level.text) for ilvl, level in
                  abstracts.get(_val(num, "./w:abstractNumId"), {}).items()}
        for override in xpath(num, "./w:lvlOverride"):
            ilvl = _int(override.get(f"{{{W}}}ilvl"), 0)
            start = _val(override, "./w:startOverride")
            if start is not None:
                levels.setdefault(ilvl, Level()).start = _int(start, 1)
        definitions[num.get(f"{{{W}}}numId")] = levels
    return definitions


def _roman(number: int) -> str:
    result = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        while number >= value:
            result, number = result + letters, number - value
    return result


def format_counter(number: int, fmt: str) -> str:
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        return _roman(number).upper() if fmt == "upperRoman" else _roman(number)
    if fmt in ("bullet", "none"):
        return ""
    return str(number)


@dataclass
class Counters:
    """Word's counting: per numId and level, in document order."""

    definitions: dict[str, dict[int, Level]]
    _counts: dict[str, list[int | None]] = field(default_factory=dict)

    def next(self, num_id: str, ilvl: int) -> ListNumber | None:
        levels = self.definitions.get(num_id)
        if not levels or num_id == "0":
            return None
        ilvl = max(0, min(ilvl, 8))
        counts = self._counts.setdefault(num_id, [None] * 9)
        current = counts[ilvl]
        counts[ilvl] = levels.get(ilvl, Level()).start if current is None else current + 1
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = None
        values = [count if count is not None else levels.get(i, Level()).start
                  for i, count in enumerate(counts[: ilvl + 1])]
        formats = [levels.get(i, Level()).fmt for i in range(ilvl + 1)]
        text = levels.get(ilvl, Level()).text
        for i in range(ilvl + 1):
            text = text.replace(f"%{i + 1}", format_counter(values[i], formats[i]))
        return ListNumber(num_id, ilvl, values, formats, text)
