"""Text that users write, turned into safe HTML.

Markdown is rendered without raw HTML, and the result is cleaned once more with nh3:
whatever a member or a secretariat pastes, only a small set of tags survives.
"""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("zero", {"breaks": True, "linkify": True, "html": False}).enable(
    ["emphasis", "list", "link", "linkify", "newline"]
)
_plain = MarkdownIt("zero", {"breaks": True, "linkify": True, "html": False}).enable(
    ["linkify", "newline"]
)

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}


def _clean(html: str) -> Markup:
    return Markup(nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ))


# Rendering is the costliest part of a page with many inputs (about 1 ms per text), and
# the same texts are shown again and again: each worker keeps the latest results. The
# output depends only on the text, so a cached result is never stale.
CACHED_TEXTS = 4096


@lru_cache(maxsize=CACHED_TEXTS)
def render_markdown(text: str | None) -> Markup:
    """A Markdown subset: paragraphs, bold, italics, lists and links."""
    return _clean(_markdown.render(text or ""))


@lru_cache(maxsize=CACHED_TEXTS)
def render_plain(text: str | None) -> Markup:
    """Plain text with its line breaks kept and web addresses made clickable."""
    return _clean(_plain.render(text or ""))


def excerpt(text: str | None, length: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


def markdown_text(text: str | None) -> str:
    """The same Markdown subset as plain text, for the text part of an email: no `**`,
    lists as "- " (or "1. ") lines, a link as its text with the address after it."""
    lines: list[str] = []
    numbers: list[int | None] = []  # per open list: the next number, None for bullets
    prefix = ""
    for token in _markdown.parse(text or ""):
        if token.type == "bullet_list_open":
            numbers.append(None)
        elif token.type == "ordered_list_open":
            numbers.append(int(token.attrGet("start") or 1))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
            lines.append("")
        elif token.type == "list_item_open":
            number = numbers[-1]
            prefix = "  " * (len(numbers) - 1) + ("- " if number is None else f"{number}. ")
            if number is not None:
                numbers[-1] = number + 1
        elif token.type == "inline":
            lines.append(prefix + _inline_text(token.children or []))
            prefix = ""
        elif token.type == "paragraph_close" and not numbers:
            lines.append("")
    return "\n".join(lines).strip()


def _inline_text(children) -> str:
    parts, href = [], None
    for child in children:
        if child.type == "text":
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            href, start = child.attrGet("href"), len(parts)
        elif child.type == "link_close" and href:
            label = "".join(parts[start:])
            if href.removeprefix("mailto:") not in (label, f"http://{label}", f"https://{label}"):
                parts.append(f" ({href})")
            href = None
    return "".join(parts)
