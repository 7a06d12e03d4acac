"""The layout of the minutes, in one place: which sections, in which order, with which
labels and texts. Every format (DOCX, PDF via HTML, Markdown) only walks this structure,
so a change here shows up in all of them alike.

A document is a list of `Section`s (a heading and its parts). A part is one of five
kinds, each a paragraph or a run of them:
- `Fields`: bold labels each followed by a value, on lines of one paragraph;
- `Paragraph`: plain text; `Label`: a bold line; `Bullets`: a list of plain lines;
- `Text`: user text, the statement's Markdown subset or plain member input.
"""

from dataclasses import dataclass, field
from typing import ClassVar

from consult.exports.minutes import InputRow, Minutes, MinutesItem

NO_STATEMENT = "Geen inbreng."
NO_INPUT = "Geen inbreng ontvangen."
WITHDRAWN = "gaat van de agenda"
APPENDIX = "Bijlage: alle inbreng"


@dataclass
class Fields:
    lines: list[tuple[str, str]]  # (label, value); the value may be empty
    style: str = ""  # a hint for the look: "facts" (the meeting's date and place)
    kind: ClassVar[str] = "fields"


@dataclass
class Paragraph:
    text: str
    style: str = ""  # "facts": the item's purpose and presenter
    kind: ClassVar[str] = "paragraph"


@dataclass
class Label:
    text: str
    kind: ClassVar[str] = "label"


@dataclass
class Bullets:
    items: list[str]
    style: str = ""  # "attachments"
    kind: ClassVar[str] = "bullets"


@dataclass
class Text:
    text: str
    markdown: bool = True  # False: plain member input (paragraphs and line breaks only)
    style: str = ""  # "statement", "outcome", "input"
    kind: ClassVar[str] = "text"


Part = Fields | Paragraph | Label | Bullets | Text


@dataclass
class Section:
    heading: str
    level: int = 2  # 1: the title and the appendix; 2: an agenda item
    parts: list[Part] = field(default_factory=list)
    new_page: bool = False  # the appendix starts on a page of its own
    muted: bool = False  # a withdrawn item


@dataclass
class Document:
    title: str
    sections: list[Section]


def item_heading(item: MinutesItem) -> str:
    """"2. Agendapunt 2"; "3. Agendapunt 3 (gaat van de agenda)"."""
    text = f"{item.label}. {item.title}" if item.label else item.title
    return f"{text} ({WITHDRAWN})" if item.withdrawn else text


def item_facts(item: MinutesItem) -> str:
    """"Ter bespreking · Toelichting: Koen"."""
    parts = [item.purpose] if item.purpose else []
    if item.presenter:
        parts.append(f"Toelichting: {item.presenter}")
    return " · ".join(parts)


def byline(row: InputRow) -> str:
    """"Anouk Smit (Zeist, VIAG), namens gemeente Zeist"; empty without names."""
    if not row.author:
        return ""
    where = ", ".join(part for part in (row.municipality, row.organisation) if part)
    text = f"{row.author} ({where})" if where else row.author
    return f"{text}, {row.on_behalf}" if row.on_behalf else text


def item_section(minutes: Minutes, item: MinutesItem) -> Section:
    """Number and title, purpose and presenter, attachments, statement and outcome."""
    parts: list[Part] = []
    if item_facts(item):
        parts.append(Paragraph(item_facts(item), style="facts"))
    if item.withdrawn and item.withdrawn_reason:
        parts.append(Paragraph(item.withdrawn_reason))
    if item.attachments:
        parts += [Label("Bijlagen:"), Bullets(
            [" ".join(p for p in pair if p) for pair in item.attachments], style="attachments")]
    concept = " (concept)" if item.statement_is_concept else ""
    statement_label = f"{minutes.statement_label}{concept}:"
    if item.statement:
        parts += [Label(statement_label), Text(item.statement, style="statement")]
    elif item.asks_input:  # an item that asks no input has no statement to miss
        parts.append(Fields([(statement_label, NO_STATEMENT)]))
    if item.outcome:
        parts += [Label(f"{minutes.outcome_label}:"), Text(item.outcome, style="outcome")]
    return Section(item_heading(item), parts=parts, muted=item.withdrawn)


def appendix_section(item: MinutesItem) -> Section:
    """Every input on the item, each with its kind and (with names) who gave it."""
    parts: list[Part] = []
    for row in item.inputs:
        label = row.kind + (" (te laat)" if row.late else "")
        parts += [Fields([(label, f"– {byline(row)}" if byline(row) else "")]),
                  Text(row.text, markdown=False, style="input")]
    return Section(item_heading(item), parts=parts or [Paragraph(NO_INPUT)])


def minutes_layout(minutes: Minutes) -> Document:
    """The minutes: title with date and place, one section per agenda item and, when
    asked for, the appendix with all input per item."""
    facts = [("Datum:", minutes.when)]
    if minutes.location:
        facts.append(("Locatie:", minutes.location))
    sections = [Section(minutes.title, level=1, parts=[Fields(facts, style="facts")])]
    sections += [item_section(minutes, item) for item in minutes.items]
    if minutes.with_appendix:
        sections.append(Section(APPENDIX, level=1, new_page=True))
        sections += [appendix_section(item) for item in minutes.items
                     if item.asks_input or item.inputs]
    return Document(minutes.title, sections)
