"""Turn an agenda or a report as the secretariat sends it (pasted text) into proposed items.

Agendas arrive in a slightly different shape every time, so this parser is tolerant and only
*proposes* a structure that the delegate reviews before saving. Its one firm promise: no text is
lost. Whatever cannot be placed ends up in the explanation of the current item, or in the
preamble before the first item. Pure module: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from consult.meetings.agenda_import.attachments import (
    ATTACHMENT_LINE,
    attachment_continuation,
    parse_attachment_parts,
)
from consult.meetings.agenda_import.clean import normalise_lines
from consult.meetings.agenda_import.describe import (
    asks_something,
    find_presenter,
    find_purpose,
    is_routine,
    split_title_purpose,
)
from consult.meetings.agenda_import.headers import (
    AGENDAPUNT,
    LIST_POINT,
    MAX_HEADER_WORDS,
    MAX_NUMBER_JUMP,
    NUMBERED,
    Header,
    lettered,
    looks_like_title,
    reads_as_heading,
    split_inline_sub,
    sub_follows,
    sub_index,
)
from consult.meetings.agenda_import.model import ProposedAgenda, ProposedAttachment, ProposedItem
from consult.meetings.agenda_import.phrases import OUTCOME_LABELS, STATEMENT_LABELS
from consult.meetings.agenda_import.report import (
    OUTCOME,
    STATEMENT,
    Block,
    ReportLabels,
    topic_words,
)
from consult.meetings.agenda_import.structure import Draft, give_blocks_to_parents, renumber

# Sub-items of one parent looked at when telling a discussion point from an item.
MAX_SUB_ITEMS = 26


def join_paragraphs(lines: list[str]) -> str:
    """Lines of one paragraph stay on their own line; paragraphs are separated by a blank line."""
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


class _Parser:
    def __init__(self, lines: list[str], labels: ReportLabels) -> None:
        self.lines = lines
        self.labels = labels
        self.preamble: list[str] = []
        self.sink = self.preamble  # where the next line of text goes
        self.drafts: list[Draft] = []
        self.top = 0
        self.top_as_typed = 0  # the current top-level item's number as written
        self.highest_typed = 0  # the highest number typed on a top-level header
        self.last_sub: tuple[str, int] | None = None
        self.labels_seen: set[str] = set()
        # "inline": right after "Bijlagen: 3a. X"; "list": after a bare "Bijlagen:" header.
        self.attachment_mode: str | None = None
        self.in_text_list = False  # inside a numbered list that belongs to an explanation
        self.header_line = -1  # index of the line of the newest header
        self.lost = False  # headings read "1." again: the numbering was lost in copying
        self.titles: set[str] = set()  # of the items so far, lower case

    def _standalone(self, i: int) -> bool:
        before = i == 0 or not self.lines[i - 1]
        after = i + 1 == len(self.lines) or not self.lines[i + 1]
        return before and after

    def run(self) -> None:
        for i, line in enumerate(self.lines):
            if not line:
                self.sink.append("")
                self.in_text_list = False
                if self.attachment_mode == "inline":
                    self.attachment_mode = None
                continue
            if self._take_label(line):
                continue
            if self.drafts and self.sink is self.drafts[-1].body and self._take_attachment(line):
                continue
            header = None if self.in_text_list else self._header_at(i)
            if header:
                self._start(header, i)
                continue
            # A "1." inside an explanation starts a list; its "2." is text as well.
            self.in_text_list = bool(LIST_POINT.match(line))
            self.sink.append(line)

    def _take_label(self, line: str) -> bool:
        """"Inbreng VIAG/IMG+CIO:" or "Bespreking TF:" starts a block of the current item."""
        kind = self.labels.kind(line) if self.drafts else None
        if kind is None:
            return False
        block = Block(kind, [line])
        self.drafts[-1].blocks.append(block)
        self.sink = block.lines
        self.attachment_mode = None
        self.in_text_list = False
        return True

    def _take_attachment(self, line: str) -> bool:
        draft = self.drafts[-1]
        if self.attachment_mode:
            attachment = attachment_continuation(line, self.labels_seen)
            if attachment is None and self.attachment_mode == "list-start":
                # Right under a bare "Bijlagen:" any line names an attachment ...
                if not self._match_header(line, standalone=False):
                    attachment = ProposedAttachment("", line.removeprefix("- "))
            elif attachment is None and self.attachment_mode == "list" and line.startswith("- "):
                attachment = ProposedAttachment("", line[2:])  # ... later only bulleted ones.
            if attachment:
                self._add_attachments(draft, [attachment])
                return True
            self.attachment_mode = None
        match = ATTACHMENT_LINE.match(line)
        if not match:
            return False
        rest = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
        if not rest:
            self.attachment_mode = "list-start"
            return True  # the bare "Bijlagen:" itself carries no text of its own
        attachments = parse_attachment_parts(rest)
        if attachments is None:
            return False  # "Bijlage: geen": keep it as text
        self._add_attachments(draft, attachments)
        self.attachment_mode = "inline"
        return True

    def _add_attachments(self, draft: Draft, attachments: list[ProposedAttachment]) -> None:
        draft.attachments += attachments
        self.labels_seen.update(a.label for a in attachments if a.label)
        if self.attachment_mode == "list-start":
            self.attachment_mode = "list"

    # --- headers ---------------------------------------------------------------------------

    def _header_at(self, i: int) -> Header | None:
        line = self.lines[i]
        return (self._match_header(line, self._standalone(i))
                or self._nested_header(i) or self._lost_header(i))

    def _start(self, header: Header, i: int) -> None:
        inline = None if header.sub else split_inline_sub(header.title)
        if inline:
            header.title = inline[0]
        self._open(header, i)
        if inline:
            self._open(Header(header.number, "A", inline[1], "inline"), i)

    def _open(self, header: Header, i: int) -> None:
        if not header.sub:
            self.top = header.number
            self.top_as_typed = header.typed or header.number
            if header.shape == "typed":
                self.highest_typed = max(self.highest_typed, header.number)
        self.last_sub = sub_index(header.sub) if header.sub else None
        self.attachment_mode = None
        self.header_line = i
        self.drafts.append(Draft(header))
        self.titles.add(header.title.lower())
        self.sink = self.drafts[-1].body

    def _match_header(self, line: str, standalone: bool) -> Header | None:
        agendapunt = AGENDAPUNT.match(line)
        if agendapunt:
            number, digit_sub, letter_sub, title = agendapunt.groups()
            sub = (digit_sub or letter_sub or "").upper()
            return self._accept(int(number), sub, title.strip(), standalone, explicit=True)
        numbered = NUMBERED.match(line)
        if numbered:
            number, digit_sub, letter_sub, title = numbered.groups()
            sub = (digit_sub or letter_sub or "").upper()
            if self.lost and not (standalone and reads_as_heading(title)):
                return None  # once the numbering is lost, a typed number is mostly text
            return self._accept(int(number), sub, title.strip(), standalone)
        found = lettered(line) if self.drafts else None
        if found:
            letter, title = found
            if reads_as_heading(title.rstrip(".")) and sub_follows(self.last_sub, letter):
                return Header(self.top, letter.upper(), title, "letter")
        return None

    def _accept(self, number: int, sub: str, title: str, standalone: bool,
                explicit: bool = False) -> Header | None:
        if not explicit and not looks_like_title(title, standalone):
            return None
        if sub and number in (self.top, self.top_as_typed):
            return Header(self.top, sub, title) if sub_follows(self.last_sub, sub) else None
        if number <= self.top:
            return None
        if sub and not sub_follows(None, sub):
            return None
        close = number <= self.top + MAX_NUMBER_JUMP
        # A bigger gap (items dropped from the agenda) only on a short line of its own.
        header_like = (standalone and len(title.split()) <= MAX_HEADER_WORDS
                       and not title.endswith("."))
        if close or explicit or header_like:
            return Header(number, sub, title)
        return None

    def _nested_header(self, i: int) -> Header | None:
        """"1. Dienstverlening" with "2. Werkagenda" on the very next line: a list of
        sub-items right under its parent, numbered 6.1, 6.2. With a blank line between
        (Word paragraphs), only a number that cannot start a new item counts."""
        numbered = NUMBERED.match(self.lines[i])
        if not numbered or numbered.group(2) or numbered.group(3):
            return None
        typed = int(numbered.group(1))
        after_blank = i - 2 == self.header_line and not self.lines[i - 1]
        if i - 1 != self.header_line and not (after_blank and 1 < typed <= self.top):
            return None
        title = numbered.group(4).strip()
        if not reads_as_heading(title) or (self.last_sub and self.last_sub[0] != "digit"):
            return None
        return Header(self.top, str(self.last_sub[1] + 1 if self.last_sub else 1), title, "nested")

    def _lost_header(self, i: int) -> Header | None:
        """Another "1. Title" after the first item: Word's numbering did not survive copying."""
        numbered = NUMBERED.match(self.lines[i])
        if (not numbered or numbered.group(1) != "1" or numbered.group(2) or numbered.group(3)
                or not self.drafts or self.highest_typed > 1):
            return None
        title = numbered.group(4).strip()
        if not reads_as_heading(title) or (i > 0 and self.lines[i - 1]):
            return None
        before = next((line for line in reversed(self.lines[max(0, i - 3):i]) if line), "")
        if before.endswith(":"):
            return None  # a numbered list introduced by "...:" is text
        if self.sink is not self.drafts[-1].body and self._names_an_item(title):
            return None  # a discussion point in a report block, named after an item
        self.lost = True
        return Header(self.top + 1, "", title, "lost", typed=1)

    def _names_an_item(self, title: str) -> bool:
        """Whether a title repeats an item's title, or names one of the current sub-items
        by its topic words ("1. Weerbaarheid" under "3A. Digitale weerbaarheid")."""
        if title.lower() in self.titles:
            return True
        words = topic_words(title)
        group = [draft for draft in self.drafts[-MAX_SUB_ITEMS:]
                 if draft.header.number == self.top and draft.header.sub]
        return bool(words) and any(words <= topic_words(d.header.title) for d in group)

    # --- the result ------------------------------------------------------------------------

    def agenda(self, as_report: bool) -> ProposedAgenda:
        if self.lost:
            renumber(self.drafts)
        give_blocks_to_parents(self.drafts)
        items = [self._item(draft, as_report) for draft in self.drafts]
        for index, item in enumerate(items):
            next_item = items[index + 1] if index + 1 < len(items) else None
            is_parent = (not item.sub and next_item is not None
                         and next_item.number == item.number and next_item.sub != "")
            if is_parent:
                item.asks_input = asks_something(join_paragraphs(self.drafts[index].body))
        return ProposedAgenda(items=items, preamble=join_paragraphs(self.preamble))

    def _blocks(self, draft: Draft, kind: str) -> str:
        texts = [join_paragraphs(self.labels.text(block)) for block in draft.blocks
                 if block.kind == kind]
        return "\n\n".join(text for text in texts if text)

    def _item(self, draft: Draft, as_report: bool) -> ProposedItem:
        title, title_purpose = split_title_purpose(draft.header.title)
        own_text = join_paragraphs(draft.body)
        explanation = own_text
        if not as_report:  # an agenda keeps the blocks as text: nothing is lost
            explanation = join_paragraphs(draft.body + [
                line for block in draft.blocks for line in ("", *block.lines)])
        return ProposedItem(
            number=str(draft.header.number),
            sub=draft.header.sub,
            title=title,
            explanation=explanation,
            purpose=title_purpose or find_purpose(own_text),
            presenter=find_presenter(own_text),
            asks_input=not is_routine(title),
            attachments=draft.attachments,
            statement=self._blocks(draft, STATEMENT) if as_report else "",
            outcome=self._blocks(draft, OUTCOME) if as_report else "",
        )


def parse_agenda_text(text: str, *, as_report: bool = False,
                      statement_labels: Iterable[str] = STATEMENT_LABELS,
                      outcome_labels: Iterable[str] = OUTCOME_LABELS) -> ProposedAgenda:
    """Propose items from agenda text; everything not recognised stays in explanation/preamble.

    As a report (`as_report`), the label blocks of the body's statement and outcome fill each
    item's `statement` and `outcome`; as an agenda they stay in the explanation as written.
    """
    parser = _Parser(normalise_lines(text), ReportLabels(statement_labels, outcome_labels))
    parser.run()
    return parser.agenda(as_report)


def parse_report_text(text: str, statement_labels: Iterable[str] = STATEMENT_LABELS,
                      outcome_labels: Iterable[str] = OUTCOME_LABELS) -> ProposedAgenda:
    return parse_agenda_text(text, as_report=True, statement_labels=statement_labels,
                             outcome_labels=outcome_labels)
