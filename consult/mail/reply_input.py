"""Which agenda item each part of a reply's text is for: "4: …", "3A: …", "punt 4: …".

A label line starts an item's input, which runs until the next label line. Text before any
label, or after a label the meeting does not have, comes back unassigned (label None): the
caller decides (one item asking for input → that item, else the delegate's inbox). Nothing is
dropped except a greeting on the first line.
"""

import re
from typing import NamedTuple

from consult.mail import reply_rules as rules

ALL_ITEMS = "*"  # the label of "geen inbreng" for the whole meeting
_JOINERS = r"\s*(?:,|&|/|\ben\b|\band\b)\s*"


class Input(NamedTuple):
    label: str | None  # one of the meeting's labels as the meeting writes it, ALL_ITEMS, or None
    text: str


def parse_input(text: str, item_labels: list[str]) -> list[Input]:
    """The reply's text split per item, in the order the items first appear."""
    lines = _without_salutation(text.replace("\r\n", "\n").split("\n"))
    whole = "\n".join(lines).strip()
    if not whole:
        return []
    if rules.NO_INPUT.match(whole):
        return [Input(ALL_ITEMS, whole)]
    return _merged(_segments(lines, item_labels))


def is_no_input(text: str) -> bool:
    """The text says there is no input ("geen inbreng", "Geen opmerkingen.")."""
    return bool(rules.NO_INPUT.match(text.strip()))


def _without_salutation(lines: list[str]) -> list[str]:
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and rules.SALUTATION.match(lines[first].strip()):
        return lines[first + 1:]
    return lines


def _segments(lines: list[str], item_labels: list[str]) -> list[tuple[tuple[str | None, ...], list[str]]]:
    patterns = _label_patterns(item_labels)
    canonical = {label.lower(): label for label in item_labels}
    segments: list[tuple[tuple[str | None, ...], list[str]]] = []
    for line in lines:
        match = next((m for m in (p.match(line) for p in patterns) if m), None)
        if match:
            labels = re.split(_JOINERS, match.group("label").strip(), flags=re.IGNORECASE)
            segments.append((tuple(canonical[label.lower()] for label in labels), [match.group("rest")]))
        elif rules.ITEMISH.match(line) or not segments:
            # an item the meeting does not have: unassigned, with its number kept in the text
            segments.append(((None,), [line]))
        else:
            segments[-1][1].append(line)
    return segments


def _label_patterns(item_labels: list[str]) -> list[re.Pattern]:
    if not item_labels:
        return []
    one = "|".join(re.escape(label) for label in sorted(item_labels, key=len, reverse=True))
    several = rf"(?:{one})(?![0-9a-z])(?:{_JOINERS}(?:{one})(?![0-9a-z]))*"
    return [re.compile(template.format(labels=several), re.IGNORECASE)
            for template in (rules.ITEM_LINE_NAMED, rules.ITEM_LINE_BARE)]


def _merged(segments: list[tuple[tuple[str | None, ...], list[str]]]) -> list[Input]:
    texts: dict[str | None, list[str]] = {}
    for labels, lines in segments:
        text = "\n".join(lines).strip()
        if not text:
            continue
        for label in labels:
            texts.setdefault(label, []).append(text)
    return [Input(label, "\n\n".join(parts)) for label, parts in texts.items()]
