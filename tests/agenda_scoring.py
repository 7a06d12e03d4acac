"""Scoring a parse against a fixture's expected JSON, and the "no sentence lost" check.

Shared by the agenda tests; an unseen report dropped beside the others with its
`.expected.json` is scored the same way.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import docx

from consult.meetings.agenda_import import ProposedAgenda, ProposedItem
from consult.meetings.agenda_import.phrases import PAGE_CHROME

SHARED_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
LOCAL_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "agenda"


def report_fixtures() -> list[Path]:
    """Every `<name>.txt` with a `<name>.expected.json`, the shared copy first."""
    found: dict[str, Path] = {}
    for folder in (SHARED_FIXTURES, LOCAL_FIXTURES):
        for expected in sorted(folder.glob("*.expected.json")) if folder.is_dir() else []:
            source = expected.with_name(expected.name.removesuffix(".expected.json") + ".txt")
            if source.exists():
                found.setdefault(source.name, source)
    return list(found.values())


def expected_for(source: Path) -> dict:
    return json.loads(source.with_name(source.stem + ".expected.json").read_text("utf-8"))


def key(item: ProposedItem) -> str:
    """"3A", "6.1" or "4": the number as the agenda shows it (as AgendaItem.label)."""
    if not item.sub:
        return item.number
    return f"{item.number}.{item.sub}" if item.sub.isdigit() else f"{item.number}{item.sub}"


def flat_expected(expected: dict) -> list[dict]:
    items = []
    for item in expected["items"]:
        items.append({**item, "parent": None})
        items += [{**sub, "parent": item["n"]} for sub in item.get("sub", [])]
    return items


def _key_matches(found: str, wanted: str, alternatives: dict[str, set[str]]) -> bool:
    return found.upper() == wanted.upper() or found in alternatives.get(wanted, set())


@dataclass
class Score:
    points: dict[str, list[int]] = field(default_factory=dict)  # category: [got, out of]
    misses: list[str] = field(default_factory=list)

    def add(self, category: str, ok: bool, miss: str) -> None:
        got = self.points.setdefault(category, [0, 0])
        got[0] += ok
        got[1] += 1
        if not ok:
            self.misses.append(f"{category}: {miss}")

    @property
    def perfect(self) -> bool:
        return all(got == total for got, total in self.points.values())

    def __str__(self) -> str:
        return ", ".join(f"{name} {got}/{total}" for name, (got, total) in self.points.items())


def _parent_key(agenda: ProposedAgenda, index: int) -> str | None:
    item = agenda.items[index]
    if not item.sub:
        return None
    parents = [other for other in agenda.items[:index] if other.number == item.number
               and not other.sub]
    return key(parents[-1]) if parents else "?"


def score(agenda: ProposedAgenda, expected: dict, report: bool) -> Score:
    """Titles in order, numbers (9 or 10 for an item after one taken off: 10 is better),
    nesting, bijlagen, presenters, and as a report its statements and outcomes."""
    wanted = flat_expected(expected)
    result = Score()
    found_titles = [item.title.lower() for item in agenda.items]
    result.add("titles", found_titles == [w["title"].lower() for w in wanted],
               f"{found_titles}")
    by_title = {item.title.lower(): (index, item) for index, item in enumerate(agenda.items)}
    for entry in wanted:
        index, item = by_title.get(entry["title"].lower(), (None, None))
        if item is None:
            for category in ("numbers", "nesting", "bijlagen", "presenters"):
                result.add(category, False, f"{entry['title']} not found")
            continue
        result.add("numbers", _key_matches(key(item), entry["n"], {}), f"{key(item)} for "
                   f"{entry['n']}")
        parent = _parent_key(agenda, index)
        result.add("nesting", (parent or None) == entry["parent"], f"{entry['n']} under {parent}")
        labels = [a.label for a in item.attachments]
        result.add("bijlagen", labels == entry.get("bijlagen", []), f"{entry['n']}: {labels}")
        result.add("presenters", item.presenter == entry.get("presenter", ""),
                   f"{entry['n']}: {item.presenter!r}")
    if report:
        for field_name, wanted_keys in (("statement", expected["statements_present_for"]),
                                        ("outcome", expected["outcomes_present_for"])):
            found = [key(item) for item in agenda.items if getattr(item, field_name)]
            result.add(f"{field_name}s", found == wanted_keys, f"{found}")
    return result


# --- no sentence lost ----------------------------------------------------------------------

# Tokens the parser consumes on purpose: numbers, sub-item letters, bijlage labels and words.
_CONSUMED = re.compile(r"^(?:\d{1,2}[a-z]?|[a-z]|bijlage|bijlagen|bijlage\(n|agendapunt)$")
_CHROME = {phrase.lower() for phrase in PAGE_CHROME}
# The label lines themselves: as a report their text moves to the statement or outcome.
_LABEL = re.compile(r"^(?:tf )?(?:inbreng viag/img\+cio|bespreking tf):$", re.I)


def _tokens(text: str) -> list[str]:
    text = re.sub(r"(?<=[a-z])\[\d{1,2}\](?=[a-z])", "", text.lower().replace("\u00ad", ""))
    return [token for token in re.findall(r"[\w'\u2019/+-]+(?:\([a-z]\))?", text)
            if not _CONSUMED.match(token)]


def sentences(text: str) -> list[str]:
    """The source's sentences, page chrome left out."""
    found = []
    for line in text.splitlines():
        if " ".join(line.split()).lower() in _CHROME or line.strip().lower().startswith(
                "inloggen geen profiel"):
            continue
        found += [part for part in re.split(r"(?<=[.!?:;])\s+", line) if _tokens(part)]
    return found


def lost_sentences(text: str, agenda: ProposedAgenda) -> list[str]:
    """Sentences of the source that are nowhere in the result (preamble, titles,
    explanations, statements, outcomes, bijlagen), word for word."""
    fields = [agenda.preamble]
    for item in agenda.items:
        fields += [item.title, item.explanation, item.statement, item.outcome]
        fields += [f"{a.label} {a.title}" for a in item.attachments]
    corpus = " | ".join(" ".join(_tokens(part)) for part in fields)
    return [sentence for sentence in sentences(text) if not _LABEL.match(sentence)
            and " ".join(_tokens(sentence)) not in corpus]


def paragraphs_docx(text: str) -> bytes:
    """The text as a Word document of plain paragraphs, one per non-empty line (typed
    numbers, no automatic numbering): how a report often arrives by mail."""
    document = docx.Document()
    for line in text.splitlines():
        if line.strip():
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
