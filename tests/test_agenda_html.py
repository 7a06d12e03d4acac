"""A report saved from the website as .html reads like the pasted text."""

import html
import re

from consult.meetings.agenda_import import html_to_text, parse_report_text
from tests.agenda_scoring import LOCAL_FIXTURES, expected_for, lost_sentences, score

SOURCE = LOCAL_FIXTURES / "verslag-taskforce.txt"


def as_web_page(text: str) -> str:
    """The report as the website serves it: every heading its own one-item list (which is
    why copying gives " 1." each time), a nested list for sub-items, chrome in the header."""
    body: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        numbered = re.match(r"^ (\d)\. (.*)$", line)
        escaped = html.escape(line.strip()).replace("\u00a0", "&nbsp;")
        if line.startswith("Inloggen"):
            body.insert(0, f"<header><a href='/login'>{escaped}</a></header>")
        elif numbered and index + 1 < len(lines) and lines[index + 1].startswith(" 2. "):
            body.append(f"<ol><li>{html.escape(numbered.group(2))}<ol>")
        elif numbered and numbered.group(1) == "2":
            body.append(f"<li>{html.escape(numbered.group(2))}</li></ol></li></ol>")
        elif numbered:
            body.append(f"<ol><li>{html.escape(numbered.group(2))}</li></ol>")
        elif line.strip():
            body.append(f"<p>{escaped}</p>")
    return ("<!doctype html><html><head><title>Verslag</title><script>var x = 1;</script>"
            "</head><body><main>" + "\n".join(body) + "</main><footer>Contact</footer>"
            "</body></html>")


def test_saved_web_page_scores_like_the_text():
    text = SOURCE.read_text("utf-8")
    page = html_to_text(as_web_page(text))

    agenda = parse_report_text(page)

    assert "<" not in page and "var x" not in page and "Contact" not in page
    result = score(agenda, expected_for(SOURCE), report=True)
    assert result.perfect, result.misses
    assert lost_sentences(text, agenda) == []


def test_ordered_lists_get_the_numbers_a_browser_shows():
    page = html_to_text("<ol start='3'><li>Common Ground</li><li>Woo<ol type='a'>"
                        "<li>Programma</li></ol></li></ol><ul><li>punt</li></ul>"
                        "<p>een<br>twee</p><ol><li><p><strong>Rondvraag</strong></p></li></ol>")
    assert page == ("3. Common Ground\n\n4. Woo\n\n4A. Programma\n\n- punt\n\neen\ntwee"
                    "\n\n1. Rondvraag")
