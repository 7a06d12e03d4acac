"""Text from a web page saved as .html (a published report), with the standard library.

Block elements become lines, list items get the number the browser would show ("3." for
an <ol>, "3.1" or "3A." one level down, "- " for bullets), and page furniture (scripts,
navigation, header, footer) is left out.
"""

from __future__ import annotations

from html.parser import HTMLParser

MAX_HTML_CHARS = 5_000_000
_BLOCKS = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6",
           "table", "tr", "blockquote", "pre", "dl", "dt", "dd", "figure", "hr"}
_SKIPPED = {"script", "style", "noscript", "template", "nav", "header", "footer", "head",
            "svg", "form", "button", "aside"}
_CELLS = {"td", "th"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.lists: list[list] = []  # per open list: [kind, count, type]
        self.after_marker = False  # "3. " written, its text not yet: <li><p>Title</p>

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        if self.skipping:
            return
        values = dict(attrs)
        if tag in ("ol", "ul"):
            start = values.get("start") or "1"
            self.lists.append([tag, int(start) - 1 if start.isdigit() else 0,
                               values.get("type") or ""])
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n\n" + self._marker())
            self.after_marker = True
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS and not self.after_marker:
            self.parts.append("\n\n")
        elif tag in _CELLS:
            self.parts.append(" \n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self.skipping:
            self.skipping -= 1
            return
        if self.skipping:
            return
        if tag in ("ol", "ul") and self.lists:
            self.lists.pop()
        if tag in _BLOCKS or tag in ("ol", "ul", "li"):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(" ".join(data.split("\n")))
            self.after_marker = self.after_marker and not data.strip()

    def _marker(self) -> str:
        if not self.lists:
            return "- "
        current = self.lists[-1]
        current[1] += 1
        if current[0] == "ul":
            return "- "
        ordered = [entry for entry in self.lists if entry[0] == "ol"]
        if len(ordered) == 1:
            return f"{current[1]}. "
        if len(ordered) == 2:
            parent = ordered[0][1]
            if current[2] in ("a", "A"):
                return f"{parent}{chr(ord('A') + (current[1] - 1) % 26)}. "
            return f"{parent}.{current[1]} "
        return f"- {current[1]}. "


def html_to_text(html: str) -> str:
    if len(html) > MAX_HTML_CHARS:
        raise ValueError("Deze webpagina is te groot om te lezen; plak de tekst van het verslag.")
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()
