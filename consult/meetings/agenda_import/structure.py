"""The item structure after reading: numbers recovered when the numbering was lost, and the
report blocks under the last sub-item given to the parent when they speak about it all."""

from __future__ import annotations

from dataclasses import dataclass, field

from consult.meetings.agenda_import.attachments import label_number
from consult.meetings.agenda_import.describe import find_presenter
from consult.meetings.agenda_import.headers import Header
from consult.meetings.agenda_import.model import ProposedAttachment
from consult.meetings.agenda_import.report import Block, speaks_about_siblings


@dataclass
class Draft:
    header: Header
    body: list[str] = field(default_factory=list)
    attachments: list[ProposedAttachment] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.body)


def renumber(drafts: list[Draft]) -> None:
    """Every heading read "1.": numbers follow from the order, and a bijlage label names its
    item's number ("10a" after "8a": item 9 was taken off the agenda)."""
    _nest_under_empty_headings(drafts)
    top = 0
    digit_subs = 0  # the current parent's sub-items numbered "6.1", "6.2"
    for index, draft in enumerate(drafts):
        header = draft.header
        if header.shape in ("letter", "inline"):
            header.number = top
            continue
        label = _label_of(drafts, index)
        if header.shape == "nested" or (header.shape == "lost" and digit_subs and label == top):
            digit_subs += 1
            header.number, header.sub = top, str(digit_subs)
            continue
        if header.sub:  # a typed "3A." or "1.2" keeps its sub-number under the current parent
            header.number = top
            digit_subs = int(header.sub) if header.sub.isdigit() else digit_subs
            continue
        if label is not None and label > top:
            top = label
        elif header.shape == "typed" and header.number > top:
            top = header.number
        else:
            top += 1
        header.number, digit_subs = top, 0


def _nest_under_empty_headings(drafts: list[Draft]) -> None:
    """A heading without text or bijlagen, followed by items whose bijlagen name one number
    ("6a", "6b"): a parent and its sub-items, whose own numbering was lost too."""
    for index, draft in enumerate(drafts):
        if draft.header.shape != "lost" or draft.attachments or draft.text.strip():
            continue
        following: list[Draft] = []
        for other in drafts[index + 1:]:
            number = label_number(other.attachments)
            if other.header.shape != "lost" or number is None or (
                    following and number != label_number(following[0].attachments)):
                break
            following.append(other)
        if len(following) >= 2:
            for other in following:
                other.header.shape = "nested"


def _label_of(drafts: list[Draft], index: int) -> int | None:
    """The number a draft's bijlagen name; a parent without any borrows its sub-items'."""
    label = label_number(drafts[index].attachments)
    for draft in drafts[index + 1:]:
        if label is not None or draft.header.shape not in ("letter", "inline", "nested"):
            break
        label = label_number(draft.attachments)
    return label


def _groups(drafts: list[Draft]) -> list[list[Draft]]:
    groups: list[list[Draft]] = []
    for draft in drafts:
        if groups and draft.header.sub and draft.header.number == groups[-1][0].header.number:
            groups[-1].append(draft)
        else:
            groups.append([draft])
    return groups


def _facts(draft: Draft) -> tuple[str, str, str]:
    return draft.header.title, draft.text, find_presenter(draft.text)


def give_blocks_to_parents(drafts: list[Draft]) -> None:
    """A statement or outcome after the last sub-item belongs to the parent when it speaks
    about the other sub-items too; otherwise it stays with that last sub-item."""
    for group in _groups(drafts):
        parent, subs = group[0], group[1:]
        if parent.header.sub or not subs or not subs[-1].blocks:
            continue
        last = subs[-1]
        if speaks_about_siblings(last.blocks, _facts(last), [_facts(s) for s in subs[:-1]]):
            parent.blocks += last.blocks
            last.blocks = []
