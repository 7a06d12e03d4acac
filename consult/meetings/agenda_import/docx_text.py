"""Text from a Word document (.docx), in document order, written the way the parser reads it.

Secretariats number their items with Word's automatic numbering, style them as headings, or
lay the agenda out as a table (nr | onderwerp | doel | stukken). The numbers Word shows are not
in the paragraph text, so they are computed from the numbering definitions and written in
front of each item ("3.", "3A."). Files come from outside: their size, number of parts and
paragraphs are limited before and while reading.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from consult.meetings.agenda_import.docx_numbering import (
    NS,
    Counters,
    ListNumber,
    read_definitions,
    xpath,
)
from consult.meetings.agenda_import.docx_tables import agenda_table_texts

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

MAX_INFLATED_BYTES = 40_000_000
MAX_PARTS = 500
MAX_PARAGRAPHS = 20_000
MAX_TABLE_DEPTH = 4

INVALID = "Dit bestand is geen geldig Word-document (.docx)."

# An agenda in a table often has the number in its own cell: "3" | "Jaarplan".
_BARE_NUMBER = re.compile(r"^(?:agendapunt\s+)?\d{1,2}(?:\.\d{1,2}|[A-Za-z])?[.)]?$", re.I)
_HEADING_STYLE = re.compile(r"^(?:heading|kop)\s*(\d)$", re.I)
_TYPED_NUMBER = re.compile(r"^\d{1,2}[.)]\s+")
_LETTER_FORMATS = ("upperLetter", "lowerLetter")


def check_package(data: bytes) -> None:
    """Refuse what is not a .docx, or would unpack into too much, before python-docx reads it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            entries = package.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ValueError(INVALID) from exc
    if len(entries) > MAX_PARTS:
        raise ValueError(f"Dit Word-document bestaat uit meer dan {MAX_PARTS} onderdelen; "
                         "zo'n bestand leest Consult niet. Plak de tekst van de agenda.")
    if sum(entry.file_size for entry in entries) > MAX_INFLATED_BYTES:
        raise ValueError(f"Dit Word-document is uitgepakt groter dan "
                         f"{MAX_INFLATED_BYTES // 1_000_000} MB; zo'n bestand leest Consult "
                         "niet. Plak de tekst van de agenda.")
    if "word/document.xml" not in {entry.filename for entry in entries}:
        raise ValueError(INVALID)


def docx_to_text(data: bytes) -> str:
    """Paragraphs and table cells of a .docx in document order, a blank line between them."""
    check_package(data)
    # python-docx and lxml (some 7 MB per worker) load with the first .docx agenda only.
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(io.BytesIO(data))
        reader = _Reader(document)
        return "\n\n".join(text for text in reader.block_texts(document) if text.strip())
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, XMLSyntaxError) as exc:
        raise ValueError(INVALID) from exc


def _num_pr(paragraph: Paragraph) -> tuple[str, int] | None:
    """(numId, ilvl) of the paragraph's list, set on the paragraph or on its style."""
    for source in (paragraph._p, *(style.element for style in _style_chain(paragraph.style))):
        num_id = xpath(source, "./w:pPr/w:numPr/w:numId/@w:val")
        if num_id:
            ilvl = xpath(source, "./w:pPr/w:numPr/w:ilvl/@w:val")
            return str(num_id[0]), int(ilvl[0]) if ilvl and str(ilvl[0]).isdigit() else 0
    return None


def _style_chain(style) -> Iterator:
    seen = 0
    while style is not None and seen < 10:
        yield style
        style, seen = style.base_style, seen + 1


def _heading_level(paragraph: Paragraph) -> int | None:
    for style in _style_chain(paragraph.style):
        for name in (style.name or "", style.style_id or ""):
            match = _HEADING_STYLE.match(name.strip())
            if match:
                return int(match.group(1))
    return None


class _Reader:
    def __init__(self, document: DocxDocument) -> None:
        numbering = document.part.numbering_part.element if _has_numbering(document) else None
        self.counters = Counters(read_definitions(numbering))
        self.agenda_list, self.item_level = self._scan(document)
        self.heading_item_level = self._scan_headings(document)
        self.heading_counts = [0, 0]

    def _scan(self, document: DocxDocument) -> tuple[str | None, int]:
        """The list that holds the items: the numbered list with most paragraphs; its
        shallowest level is the item level, the one below it the sub-items."""
        levels: dict[str, list[int]] = {}
        for paragraph in _all_paragraphs(document):
            found = _num_pr(paragraph)
            definitions = self.counters.definitions.get(found[0]) if found else None
            if found and definitions and definitions.get(found[1]) and \
                    definitions[found[1]].fmt not in ("bullet", "none"):
                levels.setdefault(found[0], []).append(found[1])
        if not levels:
            return None, 0
        agenda_list = max(levels, key=lambda num_id: len(levels[num_id]))
        return agenda_list, min(levels[agenda_list])

    def _scan_headings(self, document: DocxDocument) -> int | None:
        counts = Counter(level for paragraph in _all_paragraphs(document)
                         if (level := _heading_level(paragraph)) and not _num_pr(paragraph))
        repeated = [level for level, count in counts.items() if count >= 2]
        return min(repeated) if repeated else None

    def block_texts(self, parent: DocxDocument | _Cell, depth: int = 0) -> Iterator[str]:
        from docx.text.paragraph import Paragraph

        for block in parent.iter_inner_content():
            if isinstance(block, Paragraph):
                yield self.paragraph_text(block)
            elif depth < MAX_TABLE_DEPTH:
                yield from self.table_texts(block, depth + 1)

    def paragraph_text(self, paragraph: Paragraph) -> str:
        text = paragraph.text
        found = _num_pr(paragraph)
        number = self.counters.next(*found) if found else None
        if number is not None:
            return self._numbered(number, text.strip())
        level = _heading_level(paragraph)
        if level and self.heading_item_level:
            return self._heading(level, text.strip())
        return text

    def _numbered(self, number: ListNumber, text: str) -> str:
        relative = number.level - self.item_level
        if number.is_bullet or number.num_id != self.agenda_list or relative > 1:
            return f"- {number.text} {text}".replace("-  ", "- ").strip()
        if relative < 0:
            return text
        text = _TYPED_NUMBER.sub("", text)  # the list's number counts, not a typed one
        counter = number.counters[number.level]
        if relative == 0:
            label = number.text.strip()
            if number.formats[number.level] != "decimal" or not re.search(r"\d", label):
                label = f"{counter}."
            return f"{label} {text}"
        parent = number.counters[self.item_level]
        if number.formats[number.level] in _LETTER_FORMATS:
            return f"{parent}{chr(ord('A') + (counter - 1) % 26)}. {text}"
        return f"{parent}.{counter} {text}"

    def _heading(self, level: int, text: str) -> str:
        relative = level - self.heading_item_level
        if relative not in (0, 1) or not text:
            return text
        typed = re.match(r"^(\d{1,2})(?:[.)]|\s)", text)
        if relative == 0:
            self.heading_counts = [int(typed.group(1)) if typed else self.heading_counts[0] + 1,
                                   0]
            return text if typed else f"{self.heading_counts[0]}. {text}"
        self.heading_counts[1] += 1
        if typed or re.match(r"^[A-Za-z][.)]\s", text):
            return text
        return f"{self.heading_counts[0]}{chr(ord('A') + self.heading_counts[1] - 1)}. {text}"

    def table_texts(self, table: Table, depth: int) -> Iterator[str]:
        agenda = agenda_table_texts(table, lambda cell: self._cell_text(cell, depth))
        if agenda is not None:
            yield from agenda
            return
        # A merged cell is repeated for every grid position it covers; read it once.
        # Keeping the elements themselves (not their id()) keeps lxml's proxies, so `is`
        # stays meaningful.
        seen: list[object] = []
        for row in table.rows:
            pending_number = ""
            for cell in row.cells:
                if any(cell._tc is element for element in seen):
                    continue
                seen.append(cell._tc)
                for text in self.block_texts(cell, depth):
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

    def _cell_text(self, cell: _Cell, depth: int) -> str:
        return "\n".join(text.strip() for text in self.block_texts(cell, depth) if text.strip())


def _has_numbering(document: DocxDocument) -> bool:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    return any(rel.reltype == RT.NUMBERING for rel in document.part.rels.values())


def _all_paragraphs(document: DocxDocument) -> Iterator[Paragraph]:
    """Every paragraph, in tables too; a document with too many is refused."""
    from docx.text.paragraph import Paragraph

    for count, element in enumerate(document.element.body.iter(f"{{{NS['w']}}}p"), 1):
        if count > MAX_PARAGRAPHS:
            raise ValueError(f"Dit Word-document heeft meer dan {MAX_PARAGRAPHS} alinea's; "
                             "zo'n bestand leest Consult niet. Plak de tekst van de agenda.")
        yield Paragraph(element, document._body)
