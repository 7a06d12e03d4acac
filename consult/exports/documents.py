"""The inbreng of a meeting in the shape of the minutes, as DOCX, PDF, Markdown and CSV.

A meeting is first read into plain data (`Minutes`), so building a document never touches
the database. Statement text (the Markdown subset of the pages) is parsed once with
markdown-it into `Block`s, and DOCX and Markdown are written from those blocks; the PDF is
made from HTML in which user text only ever comes from `render_markdown`/`render_plain`
(no raw HTML, cleaned with nh3). User text is never interpreted as HTML or as a formula.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.comments.models import Comment, OnBehalf
from consult.comments.services import KIND_LABELS, on_behalf_label
from consult.extensions import db
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.services import meeting_title
from consult.pages import format_date, local_time
from consult.statements.models import Outcome, Statement, StatementStatus
from consult.text import _markdown as statement_markdown  # the same subset as the pages

Progress = Callable[[int], None]

MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}

NO_STATEMENT = "Geen inbreng."
WITHDRAWN = "gaat van de agenda"


# --- the data of a meeting ----------------------------------------------------------

@dataclass
class InputRow:
    """One member's input, as the appendix and the CSV show it."""

    kind: str
    text: str
    author: str
    municipality: str
    organisation: str
    region: str
    on_behalf: str
    late: bool
    entered_by: str
    mark: str
    mark_reason: str
    created_at: datetime

    @property
    def byline(self) -> str:
        """"Anouk Smit (Zeist, VIAG), namens gemeente Zeist"; empty without names."""
        if not self.author:
            return ""
        where = ", ".join(part for part in (self.municipality, self.organisation) if part)
        text = f"{self.author} ({where})" if where else self.author
        return f"{text}, {self.on_behalf}" if self.on_behalf else text


@dataclass
class MinutesItem:
    label: str
    title: str
    purpose: str
    presenter: str
    withdrawn: bool
    withdrawn_reason: str
    attachments: list[tuple[str, str]]
    statement: str  # Markdown; "" when there is none
    statement_is_concept: bool
    outcome: str
    inputs: list[InputRow] = field(default_factory=list)

    @property
    def heading(self) -> str:
        text = f"{self.label}. {self.title}" if self.label else self.title
        return f"{text} ({WITHDRAWN})" if self.withdrawn else text

    @property
    def facts(self) -> str:
        """"Ter bespreking · Toelichting: Koen"."""
        parts = [self.purpose] if self.purpose else []
        if self.presenter:
            parts.append(f"Toelichting: {self.presenter}")
        return " · ".join(parts)


@dataclass
class Minutes:
    title: str
    body_name: str
    short_name: str
    starts_at: datetime
    when: str
    location: str
    statement_label: str
    outcome_label: str
    items: list[MinutesItem]
    with_appendix: bool = False
    with_names: bool = True

    def statement_heading(self, item: MinutesItem) -> str:
        concept = " (concept)" if item.statement_is_concept else ""
        return f"{self.statement_label}{concept}:"

    @property
    def outcome_heading(self) -> str:
        return f"{self.outcome_label}:"


ON_BEHALF_GENERIC = {OnBehalf.SELF: "op persoonlijke titel",
                     OnBehalf.MUNICIPALITY: "namens de gemeente",
                     OnBehalf.REGION: "namens de regio", OnBehalf.BOARD: "namens het bestuur"}


def input_row(comment: Comment, with_names: bool) -> InputRow:
    """Without names, nothing that says who wrote it: no name, municipality,
    organisation, region or who entered it, and "namens" only in general terms."""
    author = comment.author
    named = with_names
    return InputRow(
        kind=KIND_LABELS.get(comment.kind, str(comment.kind)),
        text=comment.text,
        author=author.name if named else "",
        municipality=author.municipality if named else "",
        organisation=author.organisation.value if named else "",
        region=author.region.name if named and author.region else "",
        on_behalf=on_behalf_label(comment) if named else ON_BEHALF_GENERIC[comment.on_behalf],
        late=comment.late,
        entered_by=comment.entered_by.name if named and comment.entered_by else "",
        mark=comment.mark.value if comment.mark else "",
        mark_reason=comment.mark_reason,
        created_at=comment.created_at,
    )


def collect_minutes(meeting: Meeting, *, with_inputs: bool = False,
                    with_names: bool = True) -> Minutes:
    """Everything an export needs, read in a few queries."""
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .options(selectinload(AgendaItem.attachments)).order_by(AgendaItem.position)
    ).all()
    item_ids = [item.id for item in items]
    statements = {s.item_id: s for s in db.session.scalars(
        select(Statement).where(Statement.item_id.in_(item_ids))
        .options(selectinload(Statement.current_revision)))}
    outcomes = {o.item_id: o.text for o in db.session.scalars(
        select(Outcome).where(Outcome.item_id.in_(item_ids)))}
    inputs: dict[int, list[InputRow]] = {}
    if with_inputs:
        comments = db.session.scalars(
            select(Comment).where(Comment.item_id.in_(item_ids), Comment.withdrawn_at.is_(None))
            .options(selectinload(Comment.author), selectinload(Comment.entered_by))
            .order_by(Comment.created_at, Comment.id))
        for comment in comments:
            inputs.setdefault(comment.item_id, []).append(input_row(comment, with_names))

    def statement_of(item_id: int) -> tuple[str, bool]:
        """(text, is concept); a statement without text counts as none."""
        statement = statements.get(item_id)
        text = statement.text.strip() if statement else ""
        return text, bool(text) and statement.status == StatementStatus.DRAFT

    body = meeting.body
    return Minutes(
        title=meeting_title(meeting),
        body_name=body.name,
        short_name=body.short_name,
        starts_at=meeting.starts_at,
        when=format_date(meeting.starts_at, with_time=True),
        location=meeting.location + (" (ook online)" if meeting.online else ""),
        statement_label=body.statement_label,
        outcome_label=body.outcome_label,
        items=[
            MinutesItem(
                label=item.label,
                title=item.title,
                purpose=item.purpose_label,
                presenter=item.presenter,
                withdrawn=item.withdrawn_at is not None,
                withdrawn_reason=item.withdrawn_reason,
                attachments=[(a.label, a.title or a.filename) for a in item.attachments],
                statement=statement_of(item.id)[0],
                statement_is_concept=statement_of(item.id)[1],
                outcome=(outcomes.get(item.id) or "").strip(),
                inputs=inputs.get(item.id, []),
            )
            for item in items
        ],
        with_appendix=with_inputs,
        with_names=with_names,
    )


# --- Markdown subset → blocks -------------------------------------------------------

@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Block:
    """A paragraph, a list item ("bullet", "number") or a further paragraph inside a
    list item ("continue"); `level` 0 is the outer list. `start` is set on the first
    item of a numbered list (its number), so each list starts counting anew."""

    kind: str
    runs: list[Run]
    level: int = 0
    start: int | None = None


def inline_runs(children) -> list[Run]:
    runs: list[Run] = []
    bold = italic = 0
    href = None
    link_text = ""
    for child in children or ():
        kind = child.type
        if kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind in ("softbreak", "hardbreak"):
            runs.append(Run("\n"))
        elif kind == "link_open":
            href, link_text = child.attrGet("href") or "", ""
        elif kind == "link_close":
            # A link is kept as its text, with the address in brackets when it differs.
            if href and href not in (link_text, f"http://{link_text}", f"mailto:{link_text}"):
                runs.append(Run(f" ({href})", bold > 0, italic > 0))
            href = None
        elif child.content:
            if href is not None:
                link_text += child.content
            runs.append(Run(child.content, bold > 0, italic > 0))
    return runs


def markdown_blocks(text: str | None) -> list[Block]:
    """The statement's Markdown subset (paragraphs, **bold**, *italic*, lists, links) as
    blocks. Anything else, HTML included, stays literal text."""
    blocks: list[Block] = []
    lists: list[dict] = []  # open lists, innermost last
    for token in statement_markdown.parse(text or ""):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            ordered = kind == "ordered_list_open"
            lists.append({"kind": "number" if ordered else "bullet", "items": 0,
                          "start": int(token.attrGet("start") or 1) if ordered else None})
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            lists[-1]["filled"] = False
        elif kind == "list_item_close" and not lists[-1]["filled"]:
            blocks.append(list_item(lists, []))  # an empty item ("- ") still counts
        elif kind == "inline":
            runs = inline_runs(token.children)
            if not lists:
                blocks.append(Block("paragraph", runs))
            elif not lists[-1]["filled"]:
                blocks.append(list_item(lists, runs))
            else:
                blocks.append(Block("continue", runs, level=len(lists) - 1))
    return blocks


def list_item(lists: list[dict], runs: list[Run]) -> Block:
    current = lists[-1]
    first = current["items"] == 0
    current["items"] += 1
    current["filled"] = True
    return Block(current["kind"], runs, level=len(lists) - 1,
                 start=current["start"] if first and current["kind"] == "number" else None)


def plain_blocks(text: str | None) -> list[Block]:
    """Member input is plain text: paragraphs at blank lines, line breaks kept."""
    paragraphs = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    blocks = []
    for paragraph in paragraphs:
        if paragraph.strip():
            runs: list[Run] = []
            for number, line in enumerate(paragraph.split("\n")):
                if number:
                    runs.append(Run("\n"))
                runs.append(Run(line))
            blocks.append(Block("paragraph", runs))
    return blocks


# --- DOCX ---------------------------------------------------------------------------

def build_docx(minutes: Minutes, progress: Progress | None = None) -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = minutes.title
    document.core_properties.author = "Consult"
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)

    document.add_heading(minutes.title, level=1)
    facts = document.add_paragraph()
    add_label_run(facts, "Datum: ")
    facts.add_run(minutes.when)
    if minutes.location:
        facts.add_run().add_break()
        add_label_run(facts, "Locatie: ")
        facts.add_run(minutes.location)

    total = max(len(minutes.items), 1)
    for number, item in enumerate(minutes.items):
        document.add_heading(item.heading, level=2)
        if item.facts:
            document.add_paragraph(item.facts)
        if item.withdrawn and item.withdrawn_reason:
            document.add_paragraph(item.withdrawn_reason)
        if item.attachments:
            add_label_run(document.add_paragraph(), "Bijlagen:")
            for label, title in item.attachments:
                document.add_paragraph(" ".join(p for p in (label, title) if p),
                                       style="List Bullet")
        heading = document.add_paragraph()
        add_label_run(heading, minutes.statement_heading(item))
        if item.statement:
            add_docx_blocks(document, markdown_blocks(item.statement))
        else:
            heading.add_run(f" {NO_STATEMENT}")
        if item.outcome:
            add_label_run(document.add_paragraph(), minutes.outcome_heading)
            add_docx_blocks(document, markdown_blocks(item.outcome))
        if progress:
            progress(10 + 70 * (number + 1) // total)

    if minutes.with_appendix:
        document.add_page_break()
        document.add_heading("Bijlage: alle inbreng", level=1)
        for item in minutes.items:
            document.add_heading(item.heading, level=2)
            if not item.inputs:
                document.add_paragraph("Geen inbreng ontvangen.")
            for row in item.inputs:
                head = document.add_paragraph()
                add_label_run(head, row.kind + (" (te laat)" if row.late else ""))
                if row.byline:
                    head.add_run(f" – {row.byline}")
                add_docx_blocks(document, plain_blocks(row.text))

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def add_label_run(paragraph, text: str):
    run = paragraph.add_run(text)
    run.bold = True
    return run


LIST_STYLES = {"bullet": "List Bullet", "number": "List Number", "continue": "List Continue"}


def add_docx_blocks(document, blocks: list[Block]) -> None:
    num_id = None
    for block in blocks:
        if block.kind == "paragraph":
            paragraph = document.add_paragraph()
        else:
            style = LIST_STYLES[block.kind]
            level = min(block.level, 2)
            paragraph = document.add_paragraph(style=f"{style} {level + 1}" if level else style)
            if block.kind == "number" and level == 0:
                if block.start is not None:
                    num_id = restart_numbering(document, style, block.start)
                if num_id is not None:
                    set_num_id(paragraph, num_id)
        for run in merge_runs(block.runs):
            for number, line in enumerate(run.text.split("\n")):
                if number:
                    paragraph.add_run().add_break()
                if line:
                    added = paragraph.add_run(line)
                    added.bold = run.bold or None
                    added.italic = run.italic or None


def restart_numbering(document, style_name: str, start: int) -> int:
    """A new numbering instance of the style's list, starting at `start`: without it,
    every numbered list in Word continues where the previous one stopped."""
    numbering = document.part.numbering_part.element
    style_num_id = document.styles[style_name].element.pPr.numPr.numId.val
    abstract_id = numbering.num_having_numId(style_num_id).abstractNumId.val
    num = numbering.add_num(abstract_id)
    num.add_lvlOverride(ilvl=0).add_startOverride(start)
    return num.numId


def set_num_id(paragraph, num_id: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = 0
    num_pr.get_or_add_numId().val = num_id


def merge_runs(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic) == (run.bold, run.italic):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic)
        else:
            merged.append(Run(run.text, run.bold, run.italic))
    return merged


# --- Markdown -----------------------------------------------------------------------

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
LINE_START = re.compile(r"^(\s*)([#+\-=]|\d+[.)])")


def escape_markdown(text: str, line_start: bool = True) -> str:
    """Text that a Markdown reader shows literally: no emphasis, links, HTML or (with
    `line_start`) list items and headings."""
    text = MARKDOWN_SPECIAL.sub(r"\\\1", text)
    if not line_start:
        return text
    return "\n".join(LINE_START.sub(lambda m: m.group(1) + escape_marker(m.group(2)), line)
                     for line in text.split("\n"))


def escape_marker(marker: str) -> str:
    return marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker


def markdown_inline(runs: list[Run]) -> str:
    out = []
    for run in merge_runs(runs):
        text = escape_markdown(run.text)
        marker = "*" * ((2 if run.bold else 0) + (1 if run.italic else 0))
        core = text.strip()
        if marker and core:
            # Markers hug the words ("** x**" is no emphasis), spaces stay outside.
            lead = text[: len(text) - len(text.lstrip())]
            tail = text[len(text.rstrip()):]
            text = f"{lead}{marker}{core}{marker}{tail}"
        out.append(text)
    return "".join(out)


def markdown_text(blocks: list[Block]) -> str:
    parts: list[str] = []
    counters: dict[int, int] = {}
    previous = None
    for block in blocks:
        indent = "   " * block.level
        content = markdown_inline(block.runs)
        if block.kind == "paragraph":
            prefix, hanging = "", ""
        elif block.kind == "continue":
            prefix = hanging = indent + "   "
        elif block.kind == "bullet":
            prefix, hanging = f"{indent}- ", indent + "   "
        else:
            if block.start is not None:
                counters[block.level] = block.start
            number = counters.get(block.level, 1)
            counters[block.level] = number + 1
            prefix, hanging = f"{indent}{number}. ", indent + "   "
        text = prefix + content.replace("\n", "  \n" + hanging)
        tight = previous in ("bullet", "number") and block.kind in ("bullet", "number")
        parts.append(("\n" if tight else "\n\n") + text if parts else text)
        previous = block.kind
    return "".join(parts)


def build_markdown(minutes: Minutes, progress: Progress | None = None) -> bytes:
    lines = [f"# {escape_markdown(minutes.title, False)}", "",
             f"**Datum:** {escape_markdown(minutes.when)}  "]
    if minutes.location:
        lines.append(f"**Locatie:** {escape_markdown(minutes.location)}")
    for item in minutes.items:
        lines += ["", f"## {escape_markdown(item.heading, False)}", ""]
        if item.facts:
            lines += [escape_markdown(item.facts), ""]
        if item.withdrawn and item.withdrawn_reason:
            lines += [escape_markdown(item.withdrawn_reason), ""]
        if item.attachments:
            lines += ["**Bijlagen:**", ""]
            lines += [f"- {escape_markdown(' '.join(p for p in pair if p))}"
                      for pair in item.attachments]
            lines.append("")
        heading = f"**{escape_markdown(minutes.statement_heading(item))}**"
        if item.statement:
            lines += [heading, "", markdown_text(markdown_blocks(item.statement))]
        else:
            lines.append(f"{heading} {NO_STATEMENT}")
        if item.outcome:
            lines += ["", f"**{escape_markdown(minutes.outcome_heading)}**", "",
                      markdown_text(markdown_blocks(item.outcome))]
    if minutes.with_appendix:
        lines += ["", "---", "", "# Bijlage: alle inbreng"]
        for item in minutes.items:
            lines += ["", f"## {escape_markdown(item.heading, False)}"]
            if not item.inputs:
                lines += ["", "Geen inbreng ontvangen."]
            for row in item.inputs:
                head = f"**{escape_markdown(row.kind + (' (te laat)' if row.late else ''))}**"
                if row.byline:
                    head += f" – {escape_markdown(row.byline)}"
                lines += ["", head, "", markdown_text(plain_blocks(row.text))]
    if progress:
        progress(80)
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


# --- HTML and PDF -------------------------------------------------------------------

def minutes_html(minutes: Minutes) -> str:
    """The HTML the PDF is made of; user text goes through the `markdown`/`plain`
    filters (consult.text) only."""
    return render_template("exports/minutes.html", minutes=minutes)


def refuse_fetch(url: str, *args, **kwargs):
    """The PDF never loads anything: no images, fonts or stylesheets from addresses."""
    raise ValueError(f"not fetched: {url}")


def build_pdf(minutes: Minutes, progress: Progress | None = None) -> bytes:
    from pathlib import Path

    from weasyprint import CSS, HTML

    html = minutes_html(minutes)
    if progress:
        progress(40)
    stylesheet = Path(current_app.root_path).parent / "templates" / "exports" / "minutes.css"
    document = HTML(string=html, url_fetcher=refuse_fetch).render(
        stylesheets=[CSS(filename=str(stylesheet))])
    if progress:
        progress(75)
    return document.write_pdf()


# --- CSV ----------------------------------------------------------------------------

CSV_COLUMNS = ["Punt", "Titel agendapunt", "Soort", "Tekst", "Auteur", "Gemeente",
               "Organisatie", "Regio", "Namens", "Te laat", "Ingevoerd door", "Markering",
               "Reden markering", "Ingediend op"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Spreadsheet programs run cells that start with = + - @ as formulas."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def build_csv(minutes: Minutes, progress: Progress | None = None) -> bytes:
    """All input with its marks, for Dutch Excel: UTF-8 with BOM, ";" between cells."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in minutes.items:
        for row in item.inputs:
            writer.writerow([neutralise(cell) for cell in (
                item.label, item.title, row.kind, row.text, row.author, row.municipality,
                row.organisation, row.region, row.on_behalf, "ja" if row.late else "nee",
                row.entered_by, row.mark, row.mark_reason,
                f"{local_time(row.created_at):%Y-%m-%d %H:%M}",
            )])
    if progress:
        progress(80)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


BUILDERS = {"docx": build_docx, "pdf": build_pdf, "md": build_markdown, "csv": build_csv}


def export_filename(minutes: Minutes, extension: str) -> str:
    """"inbreng-tf-2026-10-14.docx"; "…-alle-inbreng.csv"; "…-met-bijlage.pdf"."""
    slug = re.sub(r"[^a-z0-9]+", "-", minutes.short_name.lower()).strip("-") or "overleg"
    stem = f"inbreng-{slug}-{local_time(minutes.starts_at):%Y-%m-%d}"
    if extension == "csv":
        stem += "-alle-inbreng"
    elif minutes.with_appendix:
        stem += "-met-bijlage"
    return f"{stem}.{extension}"
