"""Bijlagen: "Bijlage: 3a. Title", "Bijlagen: 4a. X; 4b. Y", "Bijlage(n): 3a, 3b en 3c"."""

from __future__ import annotations

import re

from consult.meetings.agenda_import.model import ProposedAttachment

# "Bijlage:", "Bijlagen:", "Bijlage(n):", "Bijlage 3a: ..." (the last keeps its label).
ATTACHMENT_LINE = re.compile(
    r"^bijlage(?:n|\(n\))?\s*:\s*(.*)$|^bijlage\s+(\d{1,2}[a-z]\b.*)$", re.I
)
# "3a. Title", "3a Title", "3a - Title", "3a: Title", "3a".
_ATTACHMENT_PART = re.compile(r"^(\d{1,2}[A-Za-z])(?:\s*[.):\-\u2013]\s*|\s+|$)(.*)$")
_LABEL_LIST = re.compile(r"^\d{1,2}[a-z](?:\s*(?:,|en|&)\s*\d{1,2}[a-z])+$", re.I)
# "Bijlage: geen" is information for the reader, not an attachment.
_NO_ATTACHMENT = re.compile(r"^(?:geen|n\.?v\.?t\.?|nvt|-|volgt|volgen|wordt nagezonden"
                            r"|worden nagezonden)\.?$", re.I)
_CONTINUATION = re.compile(r"^(\d{1,2}[a-z])(?:\s*[.):\-\u2013]\s*|\s+|$)(.*)$")


def parse_attachment_parts(text: str) -> list[ProposedAttachment] | None:
    """Attachments in "3a. X; 3b. Y", or None when this is not a list of attachments."""
    found: list[ProposedAttachment] = []
    for part in (p.strip() for p in text.split(";")):
        part = part.removeprefix("- ").strip()
        if not part:
            continue
        if _NO_ATTACHMENT.match(part):
            return None
        if _LABEL_LIST.match(part):
            found += [ProposedAttachment(label.lower(), "")
                      for label in re.findall(r"\d{1,2}[a-z]", part, re.I)]
            continue
        match = _ATTACHMENT_PART.match(part)
        if match:
            found.append(ProposedAttachment(match.group(1).lower(), match.group(2).strip()))
        else:
            found.append(ProposedAttachment("", part))
    return found or None


def attachment_continuation(line: str, labels_seen: set[str]) -> ProposedAttachment | None:
    """A line "3b. Title" under a "Bijlagen:" line. Lower-case labels only: "3B." is a sub-item."""
    match = _CONTINUATION.match(line.removeprefix("- "))
    if not match or match.group(1) in labels_seen:
        return None
    return ProposedAttachment(match.group(1), match.group(2).strip())


def label_number(attachments: list[ProposedAttachment]) -> int | None:
    """The item number the labels name: "8a" belongs to item 8."""
    numbers = [int(match.group()) for a in attachments
               if (match := re.match(r"\d{1,2}", a.label))]
    return min(numbers) if numbers else None
