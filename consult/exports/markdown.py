"""The minutes as Markdown: templates/exports/minutes.md.j2 walks the layout, and every
text in it is escaped here so that a Markdown reader shows it literally (no HTML, links,
emphasis or lists that the text did not have as blocks)."""

import re

from flask import render_template

from consult.exports.blocks import Block, Run, merge_runs, text_blocks
from consult.exports.layout import Document, Text

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


def text_markdown(part: Text) -> str:
    return markdown_text(text_blocks(part.text, part.markdown))


def render_md(document: Document) -> bytes:
    text = render_template("exports/minutes.md.j2", document=document,
                           escape=escape_markdown, text=text_markdown)
    return (text.rstrip() + "\n").encode("utf-8")
