"""Text from a Word document (.docx), in document order."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph


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
