"""User text as blocks of runs, for the formats that are not HTML (DOCX, Markdown).

Statement text (the Markdown subset of the pages) is parsed with the same markdown-it
parser as the pages; member input is plain text. Anything else, HTML included, stays
literal text: user text is never interpreted as HTML or as a formula.
"""

import re
from dataclasses import dataclass

from consult.text import _markdown as statement_markdown  # the same subset as the pages


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


def merge_runs(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic) == (run.bold, run.italic):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic)
        else:
            merged.append(Run(run.text, run.bold, run.italic))
    return merged


def text_blocks(text: str, markdown: bool = True) -> list[Block]:
    """A `Text` part of the layout: the statement's Markdown subset, or plain input."""
    return markdown_blocks(text) if markdown else plain_blocks(text)
