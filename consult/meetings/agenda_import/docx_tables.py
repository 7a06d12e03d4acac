"""An agenda laid out as a table: a header row (nr | onderwerp | doel | stukken) names the
columns, and each row becomes an item written the way the parser reads it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docx.table import Table, _Cell

# Column headers per role, as secretariats name them.
COLUMN_NAMES = {
    "number": ("nr", "nr.", "no", "no.", "nummer", "#", "punt"),
    "title": ("onderwerp", "titel", "agendapunt", "omschrijving onderwerp"),
    "explanation": ("toelichting", "omschrijving", "inhoud", "voorstel", "samenvatting"),
    "purpose": ("doel", "ter", "actie", "gevraagd", "status"),
    "presenter": ("wie", "door", "presentator", "portefeuillehouder", "toelichting door",
                  "spreker", "inleider"),
    "attachments": ("stukken", "bijlage", "bijlagen", "documenten", "bijgevoegd"),
}
_ROLE_OF = {name: role for role, names in COLUMN_NAMES.items() for name in names}
_NUMBER = re.compile(r"^(?:agendapunt\s+)?(\d{1,2})(?:\.(\d{1,2})|\s*([A-Za-z]))?[.)]?$", re.I)
_NOTHING = re.compile(r"^(?:-|\u2013|geen|n\.?v\.?t\.?)?$", re.I)


def _roles(cells: list[str]) -> dict[int, str] | None:
    roles = {index: _ROLE_OF[text.lower().rstrip(":")] for index, text in enumerate(cells)
             if text.lower().rstrip(":") in _ROLE_OF}
    return roles if "title" in roles.values() and len(roles) >= 2 else None


def _unique_cells(row) -> list[_Cell]:
    cells: list[_Cell] = []
    for cell in row.cells:
        if not any(cell._tc is other._tc for other in cells):
            cells.append(cell)
    return cells


def _number_label(text: str) -> str:
    match = _NUMBER.match(text.strip())
    if not match:
        return text.strip()
    number, digit_sub, letter_sub = match.groups()
    if digit_sub:
        return f"{number}.{digit_sub}"
    return f"{number}{(letter_sub or '').upper()}."


def _row_texts(values: dict[str, str]) -> list[str]:
    title = values.get("title", "")
    number = _number_label(values.get("number", ""))
    texts = [f"{number} {title}".strip()]
    if values.get("explanation"):
        texts.append(values["explanation"])
    if values.get("presenter") and not _NOTHING.match(values["presenter"]):
        texts.append(f"Toelichting door {values['presenter']}.")
    purpose = values.get("purpose", "")
    if purpose and not _NOTHING.match(purpose):
        texts.append(purpose if purpose.lower().startswith("ter ") else f"Ter {purpose.lower()}.")
    attachments = [line.strip() for line in values.get("attachments", "").splitlines()]
    attachments = [line for line in attachments if line]
    if attachments:
        texts.append("Bijlagen: " + "; ".join(attachments))
    return texts


def agenda_table_texts(table: Table, cell_text: Callable[[_Cell], str]) -> list[str] | None:
    """The rows of an agenda table as item texts, or None when the header row names no
    agenda columns (then the table is read cell by cell)."""
    rows = list(table.rows)
    if len(rows) < 2:
        return None
    roles = _roles([cell_text(cell) for cell in _unique_cells(rows[0])])
    if roles is None:
        return None
    texts: list[str] = []
    for row in rows[1:]:
        values: dict[str, str] = {}
        for index, cell in enumerate(_unique_cells(row)):
            role = roles.get(index)
            text = cell_text(cell)
            if role:
                values[role] = f"{values[role]}\n{text}" if role in values else text
            elif text:
                values.setdefault("explanation", "")
                values["explanation"] = f"{values['explanation']}\n{text}".strip()
        if any(values.values()):
            texts += _row_texts(values)
    return texts
