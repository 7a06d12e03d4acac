"""Turn an agenda as the secretariat sends it (pasted text or .docx) into proposed items.

Agendas arrive in a slightly different shape every time, so this parser is tolerant and only
*proposes* a structure that the delegate reviews before saving. Its one firm promise: no text is
lost. Whatever cannot be placed ends up in the explanation of the current item, or in the
preamble before the first item. Pure module: no Flask, no database.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

PURPOSES = ("informatie", "bespreking", "advisering", "besluitvorming")


@dataclass
class ProposedAttachment:
    label: str
    title: str


@dataclass
class ProposedItem:
    number: str
    sub: str
    title: str
    explanation: str
    purpose: str | None
    presenter: str
    asks_input: bool
    attachments: list[ProposedAttachment] = field(default_factory=list)


@dataclass
class ProposedAgenda:
    items: list[ProposedItem]
    preamble: str


# --- normalisation -------------------------------------------------------------------------

# Word and mail clients put all sorts of bullets in front of list lines; one "- " reads the same.
_BULLET = re.compile(r"^[\u2022\u25e6\u25aa\u25ab\u25cf\u25cb\u2023\u2043\u2219\u00b7\u2013\u2014"
                     r"\uf0a7\uf0b7\uf0d8\uf076\u25a0\u25a1\u27a2\u2192*]\s*")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def _normalise_lines(text: str) -> list[str]:
    """One entry per line, whitespace collapsed; "" marks a paragraph break (never two in a row)."""
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        # str.split() also splits on tabs and non-breaking/other unicode spaces.
        line = " ".join(raw.translate(_INVISIBLE).split())
        line = _BULLET.sub("- ", line) if line not in ("-", "*") else line
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


# --- item headers --------------------------------------------------------------------------

# "3. Title", "3 Title", "3) Title", "3A. Title", "3a Title", "6.1 Title", "6.1. Title".
_NUMBERED = re.compile(r"^(\d{1,2})(?:\.(\d{1,2})|([A-Za-z]))?(?:[.)]\s*|\s+)(.+)$")
# "Agendapunt 4: Title", "Agendapunt 3a - Title", "Agendapunt 6.1 Title".
_AGENDAPUNT = re.compile(
    r"^agendapunt\s+(\d{1,2})(?:\.(\d{1,2})|\s*([A-Za-z])\b)?\.?\s*[:.)\-\u2013]?\s*(.*)$", re.I
)
# "A. Title" / "a) Title": a sub-item of the current numbered item.
_LETTERED = re.compile(r"^([A-Za-z])[.)]\s+(.+)$")

# A jump larger than this is text ("50 gemeenten"), unless the line stands alone like a header.
MAX_NUMBER_JUMP = 3
_MAX_HEADER_WORDS = 15


@dataclass
class _Header:
    number: int
    sub: str  # "" or "A" or "1"
    title: str


def _sub_index(sub: str) -> tuple[str, int]:
    return ("digit", int(sub)) if sub.isdigit() else ("letter", ord(sub.upper()) - ord("A") + 1)


def _sub_follows(last: tuple[str, int] | None, sub: str) -> bool:
    """Sub-items count up from A/1 in small steps; anything else is probably text."""
    kind, index = _sub_index(sub)
    if last is None:
        return 1 <= index <= MAX_NUMBER_JUMP
    return kind == last[0] and last[1] < index <= last[1] + MAX_NUMBER_JUMP


def _looks_like_title(title: str, standalone: bool) -> bool:
    if not title:
        return False
    if title[0].isupper():
        return True
    # A lower-case title only counts on its own line and when it does not read as a sentence.
    return standalone and not title.endswith((".", ",", ";", ":"))


# --- attachments ---------------------------------------------------------------------------

# "Bijlage:", "Bijlagen:", "Bijlage(n):", "Bijlage 3a: ..." (the last keeps its label).
_ATTACHMENT_LINE = re.compile(
    r"^bijlage(?:n|\(n\))?\s*:\s*(.*)$|^bijlage\s+(\d{1,2}[a-z]\b.*)$", re.I
)
# "3a. Title", "3a Title", "3a - Title", "3a: Title", "3a".
_ATTACHMENT_PART = re.compile(r"^(\d{1,2}[A-Za-z])(?:\s*[.):\-\u2013]\s*|\s+|$)(.*)$")
_LABEL_LIST = re.compile(r"^\d{1,2}[a-z](?:\s*(?:,|en|&)\s*\d{1,2}[a-z])+$", re.I)
# "Bijlage: geen" is information for the reader, not an attachment.
_NO_ATTACHMENT = re.compile(r"^(?:geen|n\.?v\.?t\.?|nvt|-|volgt|volgen|wordt nagezonden"
                            r"|worden nagezonden)\.?$", re.I)


def _parse_attachment_parts(text: str) -> list[ProposedAttachment] | None:
    """Attachments in "3a. X; 3b. Y", or None when this is not a list of attachments."""
    found: list[ProposedAttachment] = []
    for part in (p.strip() for p in text.split(";")):
        part = part.removeprefix("- ").strip()
        if not part:
            continue
        if _NO_ATTACHMENT.match(part):
            return None
        if _LABEL_LIST.match(part):
            found += [ProposedAttachment(label.lower(), "")
                      for label in re.findall(r"\d{1,2}[a-z]", part, re.I)]
            continue
        match = _ATTACHMENT_PART.match(part)
        if match:
            found.append(ProposedAttachment(match.group(1).lower(), match.group(2).strip()))
        else:
            found.append(ProposedAttachment("", part))
    return found or None


def _attachment_continuation(line: str, labels_seen: set[str]) -> ProposedAttachment | None:
    """A line "3b. Title" under a "Bijlagen:" line. Lower-case labels only: "3B." is a sub-item."""
    line = line.removeprefix("- ")
    match = re.match(r"^(\d{1,2}[a-z])(?:\s*[.):\-\u2013]\s*|\s+|$)(.*)$", line)
    if not match or match.group(1) in labels_seen:
        return None
    return ProposedAttachment(match.group(1), match.group(2).strip())


# --- purpose and presenter -----------------------------------------------------------------

_PURPOSE_PATTERNS = [
    ("informatie", r"\bter\s+(?:informatie|kennisname|kennisneming|kennisgeving)\b"),
    ("bespreking", r"\bter\s+(?:bespreking|discussie)\b"),
    ("advisering", r"\bter\s+(?:advisering|advies)\b|\bgevraagd\s+om\s+(?:een\s+)?advies\b"
                   r"|\bgevraagd\s+(?:om\s+)?te\s+adviseren\b"),
    ("besluitvorming", r"\bter\s+(?:besluitvorming|besluit|vaststelling)\b"
                       r"|\bgevraagd\s+(?:om\s+)?in\s+te\s+stemmen\b"),
]
_PURPOSE_RES = [(code, re.compile(pattern, re.I)) for code, pattern in _PURPOSE_PATTERNS]
# "Common Ground (ter bespreking)" or "Common Ground - ter bespreking" at the end of a title.
_TITLE_PURPOSE = re.compile(r"\s*(?:\(([^()]*)\)|[-\u2013:]\s*(ter\s+\w+))\s*\.?$", re.I)


def _find_purpose(text: str) -> str | None:
    """The purpose mentioned last wins: a closing "Ter bespreking." is the final word."""
    best: tuple[int, str] | None = None
    for code, regex in _PURPOSE_RES:
        for match in regex.finditer(text):
            if best is None or match.start() > best[0]:
                best = (match.start(), code)
    return best[1] if best else None


def _split_title_purpose(title: str) -> tuple[str, str | None]:
    match = _TITLE_PURPOSE.search(title)
    if match:
        phrase = match.group(1) or match.group(2)
        purpose = _find_purpose(phrase)
        if purpose and len(phrase.split()) <= 3:
            return title[: match.start()].strip(), purpose
    return title, None


_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_TUSSENVOEGSEL = r"(?:van|de|der|den|het|ten|ter|te|in|op|'t|d'|la|le|du|von|vd)"
_NAME_WORD = rf"(?:[{_UPPER}]\.)+|[{_UPPER}][\w'\u2019-]+"
_NAME = rf"(?:{_NAME_WORD})(?:\s+(?:{_TUSSENVOEGSEL}\s+)*(?:{_NAME_WORD}))*"
_PRESENTER_RES = [
    re.compile(rf"({_NAME}(?:\s+en\s+{_NAME})?)\s+(?:geeft|geven)\s+(?:een\s+)?toelichting"),
    re.compile(rf"\bgeeft\s+({_NAME})\s+(?:een\s+)?toelichting"),
    re.compile(rf"(?i:toelichting|presentatie)\s+door\s+({_NAME})"),
    re.compile(rf"(?i:presentatie|presentator|presentatoren)\s*:\s*({_NAME})"),
]


def _find_presenter(text: str) -> str:
    for regex in _PRESENTER_RES:
        match = regex.search(text)
        if match:
            return match.group(1).strip()
    return ""


# Routine items nobody gives input on; matched against the start of the title.
_ROUTINE_TITLE = re.compile(
    r"^(?:opening|mededelingen|rondvraag|sluiting|afsluiting|w\.?v\.?t\.?t\.?\b|wat verder ter"
    r" tafel komt|pauze|lunch|vaststell\w*\s+(?:van\s+)?(?:de\s+)?(?:agenda|verslag|notulen"
    r"|besluitenlijst|actielijst)|(?:concept[- ]?)?(?:verslag|notulen|besluitenlijst|actielijst)"
    r"(?:\s+(?:en\s+\w+\s+)?(?:van\s+)?(?:de\s+)?(?:vorige\s+)?(?:vergadering|overleg))?$)",
    re.I,
)
# A parent header's own text only turns it into a question when it clearly asks something.
_ASKING = re.compile(r"\?|\bgevraagd\b|\bter\s+(?:bespreking|discussie|advisering|advies|"
                     r"besluitvorming|besluit|vaststelling)\b", re.I)


# --- the parser ----------------------------------------------------------------------------


@dataclass
class _Draft:
    header: _Header
    body: list[str] = field(default_factory=list)
    attachments: list[ProposedAttachment] = field(default_factory=list)


def _join_paragraphs(lines: list[str]) -> str:
    """Lines of one paragraph stay on their own line; paragraphs are separated by a blank line."""
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


class _Parser:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.preamble: list[str] = []
        self.drafts: list[_Draft] = []
        self.top = 0
        self.last_sub: tuple[str, int] | None = None
        self.labels_seen: set[str] = set()
        # "inline": right after "Bijlagen: 3a. X"; "list": after a bare "Bijlagen:" header.
        self.attachment_mode: str | None = None
        self.in_text_list = False  # inside a numbered list that belongs to an explanation

    def _body(self) -> list[str]:
        return self.drafts[-1].body if self.drafts else self.preamble

    def _standalone(self, i: int) -> bool:
        before = i == 0 or not self.lines[i - 1]
        after = i + 1 == len(self.lines) or not self.lines[i + 1]
        return before and after

    def run(self) -> None:
        for i, line in enumerate(self.lines):
            if not line:
                self._body().append("")
                self.in_text_list = False
                if self.attachment_mode == "inline":
                    self.attachment_mode = None
                continue
            if self.drafts and self._take_attachment(line):
                continue
            header = None if self.in_text_list else self._header(line, self._standalone(i))
            if header:
                self.drafts.append(_Draft(header))
                continue
            # A "1." inside an explanation starts a list; its "2." is text as well.
            self.in_text_list = bool(re.match(r"^\d{1,2}[.)]\s", line))
            self._body().append(line)

    def _take_attachment(self, line: str) -> bool:
        draft = self.drafts[-1]
        if self.attachment_mode:
            attachment = _attachment_continuation(line, self.labels_seen)
            if attachment is None and self.attachment_mode == "list-start":
                # Right under a bare "Bijlagen:" any line names an attachment ...
                if not self._header(line, standalone=False, dry_run=True):
                    attachment = ProposedAttachment("", line.removeprefix("- "))
            elif attachment is None and self.attachment_mode == "list" and line.startswith("- "):
                attachment = ProposedAttachment("", line[2:])  # ... later only bulleted ones.
            if attachment:
                self._add_attachments(draft, [attachment])
                return True
            self.attachment_mode = None
        match = _ATTACHMENT_LINE.match(line)
        if not match:
            return False
        rest = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        if not rest:
            self.attachment_mode = "list-start"
            return True  # the bare "Bijlagen:" itself carries no text of its own
        attachments = _parse_attachment_parts(rest)
        if attachments is None:
            return False  # "Bijlage: geen": keep it as text
        self._add_attachments(draft, attachments)
        self.attachment_mode = "inline"
        return True

    def _add_attachments(self, draft: _Draft, attachments: list[ProposedAttachment]) -> None:
        draft.attachments += attachments
        self.labels_seen.update(a.label for a in attachments if a.label)
        if self.attachment_mode == "list-start":
            self.attachment_mode = "list"

    def _header(self, line: str, standalone: bool, dry_run: bool = False) -> _Header | None:
        header = self._match_header(line, standalone)
        if header and not dry_run:
            self.top = header.number
            self.last_sub = _sub_index(header.sub) if header.sub else None
            self.attachment_mode = None
        return header

    def _match_header(self, line: str, standalone: bool) -> _Header | None:
        agendapunt = _AGENDAPUNT.match(line)
        if agendapunt:
            number, digit_sub, letter_sub, title = agendapunt.groups()
            sub = (digit_sub or letter_sub or "").upper()
            return self._accept(int(number), sub, title.strip(), standalone, explicit=True)
        numbered = _NUMBERED.match(line)
        if numbered:
            number, digit_sub, letter_sub, title = numbered.groups()
            sub = (digit_sub or letter_sub or "").upper()
            return self._accept(int(number), sub, title.strip(), standalone)
        lettered = _LETTERED.match(line)
        if lettered and self.drafts:
            letter, title = lettered.groups()
            words = len(title.split())
            if (title[0].isupper() and words <= _MAX_HEADER_WORDS
                    and not title.endswith((",", ";", ":"))
                    and _sub_follows(self.last_sub, letter)):
                return _Header(self.top, letter.upper(), title)
        return None

    def _accept(self, number: int, sub: str, title: str, standalone: bool,
                explicit: bool = False) -> _Header | None:
        if not explicit and not _looks_like_title(title, standalone):
            return None
        if sub and number == self.top:
            return _Header(number, sub, title) if _sub_follows(self.last_sub, sub) else None
        if number <= self.top:
            return None
        if sub and not _sub_follows(None, sub):
            return None
        close = number <= self.top + MAX_NUMBER_JUMP
        # A bigger gap (items dropped from the agenda) only on a short line of its own.
        header_like = (standalone and len(title.split()) <= _MAX_HEADER_WORDS
                       and not title.endswith("."))
        if close or explicit or header_like:
            return _Header(number, sub, title)
        return None

    def agenda(self) -> ProposedAgenda:
        items = [self._item(draft) for draft in self.drafts]
        for index, item in enumerate(items):
            next_item = items[index + 1] if index + 1 < len(items) else None
            is_parent = (not item.sub and next_item is not None
                         and next_item.number == item.number and next_item.sub != "")
            if is_parent:
                item.asks_input = bool(_ASKING.search(item.explanation))
        return ProposedAgenda(items=items, preamble=_join_paragraphs(self.preamble))

    def _item(self, draft: _Draft) -> ProposedItem:
        title, title_purpose = _split_title_purpose(draft.header.title)
        explanation = _join_paragraphs(draft.body)
        return ProposedItem(
            number=str(draft.header.number),
            sub=draft.header.sub,
            title=title,
            explanation=explanation,
            purpose=title_purpose or _find_purpose(explanation),
            presenter=_find_presenter(explanation),
            asks_input=not _ROUTINE_TITLE.match(title),
            attachments=draft.attachments,
        )


def parse_agenda_text(text: str) -> ProposedAgenda:
    """Propose items from agenda text; everything not recognised stays in explanation/preamble."""
    parser = _Parser(_normalise_lines(text))
    parser.run()
    return parser.agenda()


# --- .docx ---------------------------------------------------------------------------------

# An agenda in a table often has the number in its own cell: "3" | "Jaarplan".
_BARE_NUMBER = re.compile(r"^(?:agendapunt\s+)?\d{1,2}(?:\.\d{1,2}|[A-Za-z])?[.)]?$", re.I)


def docx_to_text(data: bytes) -> str:
    """Paragraphs and table cells of a .docx in document order, a blank line between them."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ValueError("Dit bestand is geen geldig Word-document (.docx).") from exc
    return "\n\n".join(text for text in _block_texts(document) if text.strip())


def _block_texts(parent: DocxDocument | _Cell) -> Iterator[str]:
    for block in parent.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block.text
        else:
            yield from _table_texts(block)


def _table_texts(table: Table) -> Iterator[str]:
    # A merged cell is repeated for every grid position it covers; read it once. Keeping the
    # elements themselves (not their id()) keeps lxml's proxies, so `is` stays meaningful.
    seen: list[object] = []
    for row in table.rows:
        pending_number = ""
        for cell in row.cells:
            if any(cell._tc is element for element in seen):
                continue
            seen.append(cell._tc)
            for text in _block_texts(cell):
                text = text.strip()
                if not text:
                    continue
                if pending_number:
                    text, pending_number = f"{pending_number} {text}", ""
                if _BARE_NUMBER.match(text):
                    pending_number = text  # glue "3" to the title in the next cell
                    continue
                yield text
        if pending_number:
            yield pending_number
