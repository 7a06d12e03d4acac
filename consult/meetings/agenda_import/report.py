"""The label blocks of a past report ("Inbreng VIAG/IMG+CIO:", "Bespreking TF:") and the
item each belongs to."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from consult.meetings.agenda_import.headers import LIST_POINT
from consult.meetings.agenda_import.phrases import OUTCOME_LABELS, STATEMENT_LABELS

STATEMENT, OUTCOME = "statement", "outcome"
# Words this long say what a text is about; shorter ones are mostly grammar.
_TOPIC_WORD = re.compile(r"[^\W\d_][\w-]{5,}")


@dataclass
class Block:
    kind: str  # STATEMENT or OUTCOME
    lines: list[str] = field(default_factory=list)  # the first is the label line as written


def _label_regex(labels: Iterable[str]) -> str:
    parts = [r"\s*".join(re.escape(word) for word in label.split()) for label in labels if label]
    return "|".join(sorted(parts, key=len, reverse=True))


class ReportLabels:
    """Recognises a body's label lines; "TF Inbreng VIAG/IMG+CIO:" (a short prefix) too."""

    def __init__(self, statement_labels: Iterable[str] = STATEMENT_LABELS,
                 outcome_labels: Iterable[str] = OUTCOME_LABELS) -> None:
        self._patterns = [
            (kind, re.compile(rf"^(?:[A-Za-z]{{1,6}}\s+)?(?:{_label_regex(labels)})\s*:\s*(.*)$",
                              re.I))
            for kind, labels in ((STATEMENT, statement_labels), (OUTCOME, outcome_labels))
            if _label_regex(labels)
        ]

    def kind(self, line: str) -> str | None:
        for kind, pattern in self._patterns:
            if pattern.match(line):
                return kind
        return None

    def text(self, block: Block) -> list[str]:
        """The block's lines without its label ("Bespreking TF: Akkoord." gives "Akkoord.")."""
        first = block.lines[0]
        for kind, pattern in self._patterns:
            match = pattern.match(first)
            if kind == block.kind and match:
                return [match.group(1).strip(), *block.lines[1:]]
        return list(block.lines)


def topic_words(text: str) -> set[str]:
    return {word.lower() for word in _TOPIC_WORD.findall(text)}


def speaks_about_siblings(blocks: list[Block], last: tuple[str, str, str],
                          siblings: list[tuple[str, str, str]]) -> bool:
    """Whether blocks written after the last sub-item are about more than that sub-item:
    numbered discussion points, an earlier sibling's title or presenter, or two topic words
    of an earlier sibling that the last one does not use. Items are (title, text, presenter)."""
    lines = [line for block in blocks for line in block.lines[1:]]
    if any(LIST_POINT.match(line) for line in lines):
        return True
    text = "\n".join(lines)
    lowered = text.lower()
    words = topic_words(text) - topic_words(" ".join(last[:2]))
    for title, body, presenter in siblings:
        first_name = presenter.split()[0] if presenter else ""
        if title.lower() in lowered or (first_name and re.search(rf"\b{re.escape(first_name)}\b", text)):
            return True
        if len(words & topic_words(f"{title} {body}")) >= 2:
            return True
    return False
