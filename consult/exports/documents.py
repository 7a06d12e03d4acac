"""The inbreng of a meeting in the shape of the minutes, as DOCX, PDF, Markdown and CSV.

The meeting is read into plain data first (`consult.exports.minutes`), so building a
document never touches the database. DOCX, PDF (from HTML) and Markdown all render the
one layout of `consult.exports.layout`; the CSV is the table of the inputs. In the HTML
user text only ever comes from consult.text's `render_markdown`/`render_plain` (no raw HTML,
cleaned with nh3); user text is never interpreted as HTML or as a formula.
"""

import csv
import io
import re
from pathlib import Path

from flask import current_app, render_template

from consult.exports.layout import Document, minutes_layout
from consult.exports.markdown import render_md
from consult.exports.minutes import Minutes
from consult.exports.word import Progress, render_docx
from consult.pages import local_time

MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


def build_docx(minutes: Minutes, progress: Progress | None = None) -> bytes:
    return render_docx(minutes_layout(minutes), progress)


def build_markdown(minutes: Minutes, progress: Progress | None = None) -> bytes:
    data = render_md(minutes_layout(minutes))
    if progress:
        progress(80)
    return data


# --- HTML and PDF -------------------------------------------------------------------

def minutes_html(minutes: Minutes) -> str:
    """The HTML the PDF is made of."""
    return layout_html(minutes_layout(minutes))


def layout_html(document: Document) -> str:
    return render_template("exports/minutes.html", document=document)


def refuse_fetch(url: str, *args, **kwargs):
    """The PDF never loads anything: no images, fonts or stylesheets from addresses."""
    raise ValueError(f"not fetched: {url}")


def render_pdf(document: Document, progress: Progress | None = None) -> bytes:
    from weasyprint import CSS, HTML

    html = layout_html(document)
    if progress:
        progress(40)
    stylesheet = Path(current_app.root_path).parent / "templates" / "exports" / "minutes.css"
    rendered = HTML(string=html, url_fetcher=refuse_fetch).render(
        stylesheets=[CSS(filename=str(stylesheet))])
    if progress:
        progress(75)
    return rendered.write_pdf()


def build_pdf(minutes: Minutes, progress: Progress | None = None) -> bytes:
    return render_pdf(minutes_layout(minutes), progress)


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
