"""Only the new text of a reply: quoted mail, reply headers, signatures and disclaimers go.

Works on lines; the patterns are in reply_rules. Removing is careful rather than eager: a
quote intro ("Op … schreef …:") only goes when quoted text or nothing follows it, and a
closing ("Met vriendelijke groet,") only starts a signature when a short block follows it
without an item's input, so that a member's own words are never cut.
"""

import re
import textwrap
from dataclasses import dataclass

from consult.mail import reply_rules as rules

_INVISIBLE = str.maketrans({"\u00a0": " ", "\u200b": None, "\u200c": None, "\u200d": None,
                            "\ufeff": None, "\r": None, "\u2028": "\n"})
# Quoted mail in HTML: Apple Mail and Thunderbird cite with blockquote type="cite", Gmail
# wraps quote and intro in div.gmail_quote. Other blockquotes may be the member's indenting.
_HTML_QUOTES = "//blockquote[@type='cite'] | //*[contains(concat(' ', @class, ' '), ' gmail_quote ')]"
_HTML_DROP = "//head | //style | //script | //title"
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


@dataclass(frozen=True)
class NewText:
    text: str
    forwarded: bool  # a forward marker ("Doorgestuurd bericht") ended the new text


def html_to_text(html: str, quotes: bool = False) -> str:
    """The text of an HTML body as a reader sees it (blocks, lists, tables); cited mail left
    out unless `quotes`."""
    # lxml and inscriptis load with the first HTML reply (the scheduler's work, not a page's).
    import lxml.html
    from inscriptis import Inscriptis
    from inscriptis.model.config import ParserConfig
    from lxml.etree import ParserError

    try:
        tree = lxml.html.document_fromstring(_XML_DECLARATION.sub("", html))
    except (ParserError, ValueError):
        return ""
    for element in tree.xpath(_HTML_DROP if quotes else _HTML_DROP + " | " + _HTML_QUOTES):
        if element.getparent() is not None:
            element.drop_tree()
    # inscriptis indents every block of the body; the common indent means nothing in a reply
    return textwrap.dedent(Inscriptis(tree, ParserConfig(display_links=False)).get_text())


def new_text(text: str) -> NewText:
    """The part of a reply's text the member wrote now."""
    lines = [line.rstrip() for line in text.translate(_INVISIBLE).split("\n")]
    lines, forwarded = _without_quotes(lines)
    lines = _cut_at(lines, _disclaimer_start(lines))
    lines = _cut_at(lines, _signature_start(lines))
    lines = [line for line in lines if not _any(rules.DEVICE_LINES, line.strip())]
    return NewText(_tidy(lines), forwarded)


def _without_quotes(lines: list[str]) -> tuple[list[str], bool]:
    kept: list[str] = []
    i = 0
    while i < len(lines):
        bare = lines[i].strip()
        if bare.startswith(">"):
            i += 1
            continue
        if _any(rules.SEPARATORS, bare):
            return kept, _any(rules.FORWARD_SEPARATORS, bare)
        if _header_block_at(lines, i):
            return kept, False
        span = _intro_span(lines, i)
        if span and _quoted_or_empty_after(lines, i + span):
            i += span
            continue
        kept.append(lines[i])
        i += 1
    return kept, False


def _header_block_at(lines: list[str], i: int) -> bool:
    """Outlook's "Van: … / Verzonden: …" block of the mail replied to begins at line i."""
    if not rules.HEADER_BLOCK_START.match(lines[i].strip()):
        return False
    following = [line.strip() for line in lines[i + 1:] if line.strip()]
    return any(rules.HEADER_BLOCK_FIELD.match(line) for line in following[:rules.HEADER_BLOCK_WINDOW])


def _intro_span(lines: list[str], i: int) -> int:
    """How many lines the quote intro at line i spans (clients wrap it), 0 if none."""
    for span in (1, 2, 3):
        if i + span > len(lines) or (span > 1 and not lines[i + span - 1].strip()):
            return 0
        joined = " ".join(line.strip() for line in lines[i:i + span])
        if _any(rules.QUOTE_INTROS, joined):
            return span
    return 0


def _quoted_or_empty_after(lines: list[str], i: int) -> bool:
    following = [line.strip() for line in lines[i:] if line.strip()]
    return not following or following[0].startswith(">")


def _disclaimer_start(lines: list[str]) -> int | None:
    """The paragraph with a disclaimer phrase, if no item's input follows it."""
    for i, line in enumerate(lines):
        if any(pattern.search(line.strip()) for pattern in rules.DISCLAIMERS):
            while i > 0 and lines[i - 1].strip():
                i -= 1
            if not any(rules.ITEMISH.match(later) for later in lines[i:]):
                return i
    return None


def _signature_start(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        bare = line.strip()
        if rules.SIGNATURE_DASHES.match(line):
            return i
        if i > 0 and _any(rules.CLOSINGS, bare) and _short_tail(lines[i + 1:]):
            return i
    return None


def _short_tail(lines: list[str]) -> bool:
    tail = [line for line in lines if line.strip()]
    return len(tail) <= rules.SIGNATURE_MAX_LINES and not any(rules.ITEMISH.match(t) for t in tail)


def _cut_at(lines: list[str], index: int | None) -> list[str]:
    return lines if index is None else lines[:index]


def _tidy(lines: list[str]) -> str:
    """Joined, without blank lines at the ends or more than one blank line in a row."""
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n").rstrip()


def _any(patterns: tuple[re.Pattern, ...], line: str) -> bool:
    return any(pattern.search(line) for pattern in patterns)
