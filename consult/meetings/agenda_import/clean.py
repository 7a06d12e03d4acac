"""From pasted text to clean lines: what Word, mail clients and web pages add is removed."""

from __future__ import annotations

import re

from consult.meetings.agenda_import.phrases import PAGE_CHROME

# Word and mail clients put all sorts of bullets in front of list lines; one "- " reads the same.
_BULLET = re.compile(r"^[\u2022\u25e6\u25aa\u25ab\u25cf\u25cb\u2023\u2043\u2219\u00b7\u2013\u2014"
                     r"\uf0a7\uf0b7\uf0d8\uf076\u25a0\u25a1\u27a2\u2192*]\s*")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# "informatie[1]huishouding": a hyphenation point turned into a footnote mark when copied.
_WORD_BREAK_MARK = re.compile(r"(?<=[a-z\u00e0-\u00ff])\[\d{1,2}\](?=[a-z\u00e0-\u00ff])")
_CHROME = re.compile(
    r"^(?:(?:" + "|".join(re.escape(phrase) for phrase in PAGE_CHROME) + r")\s*)+$", re.I)
# "... geeft een toelichting. Bijlage: 3a. Title": the attachment line inside a paragraph.
_INLINE_ATTACHMENT = re.compile(
    r"(?<=[.!?)])\s+(?=bijlage(?:n|\(n\))?\s*:\s*\d{1,2}[a-z]\b)", re.I)


def clean_line(raw: str) -> str:
    # str.split() also splits on tabs and non-breaking/other unicode spaces.
    line = " ".join(raw.translate(_INVISIBLE).split())
    line = _WORD_BREAK_MARK.sub("", line)
    return _BULLET.sub("- ", line) if line not in ("-", "*") else line


def normalise_lines(text: str) -> list[str]:
    """One entry per line, whitespace collapsed; "" marks a paragraph break (never two in a row)."""
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = clean_line(raw)
        if len(line) < 200 and _CHROME.match(line):
            continue
        for part in _INLINE_ATTACHMENT.split(line):
            if part or (lines and lines[-1]):
                lines.append(part)
    while lines and not lines[-1]:
        lines.pop()
    return lines
