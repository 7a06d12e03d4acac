"""The minutes as a Word document: one small renderer that walks the layout
(consult.exports.layout), as the HTML and Markdown templates do."""

import io
from collections.abc import Callable

from consult.exports.blocks import Block, merge_runs, text_blocks
from consult.exports.layout import Document, Part

Progress = Callable[[int], None]


def render_docx(document: Document, progress: Progress | None = None) -> bytes:
    from docx import Document as WordDocument
    from docx.shared import Pt

    word = WordDocument()
    word.core_properties.title = document.title
    word.core_properties.author = "Consult"
    word.styles["Normal"].font.name = "Calibri"
    word.styles["Normal"].font.size = Pt(11)
    total = len(document.sections)
    for number, section in enumerate(document.sections, 1):
        if section.new_page:
            word.add_page_break()
        word.add_heading(section.heading, level=section.level)
        for part in section.parts:
            add_part(word, part)
        if progress:
            progress(10 + 70 * number // total)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def add_part(word, part: Part) -> None:
    if part.kind == "fields":
        paragraph = word.add_paragraph()
        for number, (label, value) in enumerate(part.lines):
            if number:
                paragraph.add_run().add_break()
            add_label_run(paragraph, label)
            if value:
                paragraph.add_run(f" {value}")
    elif part.kind == "paragraph":
        word.add_paragraph(part.text)
    elif part.kind == "label":
        add_label_run(word.add_paragraph(), part.text)
    elif part.kind == "bullets":
        for line in part.items:
            word.add_paragraph(line, style="List Bullet")
    else:
        add_docx_blocks(word, text_blocks(part.text, part.markdown))


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
