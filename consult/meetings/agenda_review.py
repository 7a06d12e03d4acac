"""Correcting a proposed agenda before it is saved: split, merge, add, indent, outdent
and move. Pure functions: each takes a ProposedAgenda and returns a new one with a
message for the delegate; nothing is stored. The review form carries whether an item is
kept in `ReviewItem.include`.

Numbers follow the operation: an item that becomes a sub-item (or two items that become
one) closes up the main numbers after it, an extra main item moves them on by one. Only
digit numbers shift, and gaps the secretariat left elsewhere ("9 went off the agenda")
stay. Sub-items are lettered again A, B, … (or 1, 2, … when the group was numbered so).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, replace

from consult.meetings.agenda_import import ProposedAgenda, ProposedItem

_LEADING_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.)]?|[A-Za-z][.)])\s+")
_NUMBER = re.compile(r"[0-9]{1,6}")
_ARGUMENT = re.compile(r"-?[0-9]{1,6}")


def _numeric(number: str) -> bool:
    return bool(_NUMBER.fullmatch(number))


@dataclass
class ReviewItem(ProposedItem):
    include: bool = True


class ReviewError(ValueError):
    """An operation that cannot be done; the message names the item (Dutch)."""


def label(item: ProposedItem) -> str:
    """"3A", "6.1" or "4", as AgendaItem.label shows it."""
    if not item.sub:
        return item.number
    return f"{item.number}.{item.sub}" if item.sub.isdigit() else f"{item.number}{item.sub}"


def _copy(agenda: ProposedAgenda) -> list[ProposedItem]:
    return [replace(item, attachments=list(item.attachments)) for item in agenda.items]


def _shift(items: list[ProposedItem], start: int, by: int) -> None:
    """Main numbers (and their sub-items') from `start` on move by `by`."""
    for item in items[start:]:
        if _numeric(item.number):
            item.number = str(max(int(item.number) + by, 1))


def _parent(items: list[ProposedItem], index: int) -> int | None:
    for at in range(index, -1, -1):
        if not items[at].sub:
            return at
    return None


def _reletter(items: list[ProposedItem], parent: int | None) -> None:
    """The sub-items after `parent` get its number and the letters A, B, … again."""
    if parent is None:
        return
    end = _block_end(items, parent)
    group = items[parent + 1:end]
    digits = any(item.sub.isdigit() for item in group)
    for count, item in enumerate(group):
        item.number = items[parent].number
        item.sub = str(count + 1) if digits else _letter(count)


def _letter(count: int) -> str:
    letters = string.ascii_uppercase
    return letters[count] if count < len(letters) else f"{letters[count // 26 - 1]}{letters[count % 26]}"


def _block_end(items: list[ProposedItem], start: int) -> int:
    """The index after a main item's last sub-item (or after a sub-item itself)."""
    end = start + 1
    if not items[start].sub:
        while end < len(items) and items[end].sub:
            end += 1
    return end


def _item(items: list[ProposedItem], index: int) -> ProposedItem:
    if not 0 <= index < len(items):
        raise ReviewError(f"Punt {index + 1} bestaat niet (meer). Er is niets veranderd.")
    return items[index]


def _result(items: list[ProposedItem], agenda: ProposedAgenda) -> ProposedAgenda:
    return ProposedAgenda(items=items, preamble=agenda.preamble)


def split(agenda: ProposedAgenda, index: int, line: int) -> tuple[ProposedAgenda, str, int]:
    """A new item from line `line` of the explanation on: that line is its title."""
    items = _copy(agenda)
    item = _item(items, index)
    lines = item.explanation.splitlines()
    if not 0 <= line < len(lines) or not lines[line].strip():
        raise ReviewError(f"Punt {label(item)}: kies een regel van de toelichting om vanaf "
                          "te splitsen.")
    title = _LEADING_NUMBER.sub("", lines[line]).strip()
    new = ReviewItem(number=item.number, sub=item.sub, title=title,
                     explanation="\n".join(lines[line + 1:]).strip(), purpose=None,
                     presenter="", asks_input=item.asks_input)
    item.explanation = "\n".join(lines[:line]).strip()
    # Right under it, as in the source: the sub-items that followed become the new item's.
    items.insert(index + 1, new)
    if item.sub:
        _reletter(items, _parent(items, index))
    else:
        _shift(items, index + 1, 1)
    return (_result(items, agenda),
            f"Punt {label(item)} is gesplitst: punt {label(new)} is nieuw.", index + 1)


def merge(agenda: ProposedAgenda, index: int) -> tuple[ProposedAgenda, str, int]:
    """Item `index` goes into the one above it: its title becomes a line of the text."""
    items = _copy(agenda)
    item = _item(items, index)
    if index == 0:
        raise ReviewError(f"Punt {label(item)}: er staat geen punt boven om mee samen te voegen.")
    before, merged_label = items[index - 1], label(item)
    before.explanation = "\n\n".join(part for part in (
        before.explanation, "\n".join(p for p in (item.title, item.explanation) if p)) if part)
    before.attachments += item.attachments
    before.presenter = before.presenter or item.presenter
    before.purpose = before.purpose or item.purpose
    before.asks_input = before.asks_input or item.asks_input
    before.statement = "\n\n".join(p for p in (before.statement, item.statement) if p)
    before.outcome = "\n\n".join(p for p in (before.outcome, item.outcome) if p)
    del items[index]
    if not item.sub:
        _shift(items, index, -1)
    _reletter(items, _parent(items, index - 1))
    return (_result(items, agenda),
            f"Punt {merged_label} is samengevoegd met punt {label(before)}.", index - 1)


def add(agenda: ProposedAgenda, index: int) -> tuple[ProposedAgenda, str, int]:
    """An empty item after item `index` (-1: at the start), on the same level."""
    items = _copy(agenda)
    if index >= len(items):
        index = len(items) - 1
    after = items[index] if index >= 0 else None
    if after is not None and after.sub:
        new = ReviewItem(number=after.number, sub="?", title="", explanation="", purpose=None,
                         presenter="", asks_input=True)
        at = index + 1
        items.insert(at, new)
        _reletter(items, _parent(items, index))
    else:
        at = _block_end(items, index) if after is not None else 0
        number = str(int(after.number) + 1) if after and _numeric(after.number) else (
            "1" if after is None else "")
        new = ReviewItem(number=number, sub="", title="", explanation="", purpose=None,
                         presenter="", asks_input=True)
        items.insert(at, new)
        _shift(items, at + 1, 1)
    return _result(items, agenda), f"Punt {label(new)} is toegevoegd. Vul de titel in.", at


def indent(agenda: ProposedAgenda, index: int) -> tuple[ProposedAgenda, str, int]:
    """A main item becomes the last sub-item of the main item above it (its own
    sub-items come along)."""
    items = _copy(agenda)
    item = _item(items, index)
    if item.sub:
        raise ReviewError(f"Punt {label(item)} is al een subpunt.")
    parent = _parent(items, index - 1) if index > 0 else None
    if parent is None:
        raise ReviewError(f"Punt {label(item)}: er staat geen hoofdpunt boven om een "
                          "subpunt van te worden.")
    old, end = label(item), _block_end(items, index)
    for moved in items[index:end]:
        moved.sub = "?"
    _shift(items, end, -1)
    _reletter(items, parent)
    return _result(items, agenda), f"Punt {old} is nu subpunt {label(item)}.", index


def outdent(agenda: ProposedAgenda, index: int) -> tuple[ProposedAgenda, str, int]:
    """A sub-item becomes a main item after its parent; the sub-items below it become
    its own."""
    items = _copy(agenda)
    item = _item(items, index)
    if not item.sub:
        raise ReviewError(f"Punt {label(item)} is geen subpunt.")
    parent, old = _parent(items, index), label(item)
    base = items[parent].number if parent is not None else item.number
    item.sub = ""
    item.number = str(int(base) + 1) if _numeric(base) else base
    _shift(items, _block_end(items, index), 1)
    _reletter(items, index)
    _reletter(items, parent)
    return _result(items, agenda), f"Subpunt {old} is nu punt {label(item)}.", index


def move(agenda: ProposedAgenda, index: int, direction: str) -> tuple[ProposedAgenda, str, int]:
    """Up or down past the neighbour on the same level: a main item with its
    sub-items, a sub-item among its siblings. The places keep their numbers."""
    items = _copy(agenda)
    item = _item(items, index)
    where = "omhoog" if direction == "up" else "omlaag"
    if item.sub:
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(items) or not items[other].sub:
            raise ReviewError(f"Punt {label(item)} kan niet verder {where} onder zijn hoofdpunt.")
        items[index], items[other] = items[other], items[index]
        _reletter(items, _parent(items, index))
        return _result(items, agenda), f"Punt {label(item)} is {where} verplaatst.", other
    if direction == "up":
        first = _parent(items, index - 1) if index > 0 else None
        second = index
    else:
        first, second = index, _block_end(items, index)
        if second >= len(items):
            first = None
    if first is None:
        raise ReviewError(f"Punt {label(item)} kan niet verder {where}.")
    end = _block_end(items, second)
    numbers = (items[first].number, items[second].number)
    upper, lower = items[first:second], items[second:end]
    for moved in lower:
        moved.number = numbers[0]
    for moved in upper:
        moved.number = numbers[1]
    items[first:end] = lower + upper
    return (_result(items, agenda), f"Punt {label(item)} is {where} verplaatst.",
            items.index(item))


OPERATIONS = {"split": split, "merge": merge, "add": add, "indent": indent,
              "outdent": outdent, "up": move, "down": move}


def apply(agenda: ProposedAgenda, op: str, split_at: dict[int, int] | None = None
          ) -> tuple[ProposedAgenda, str, int]:
    """Run an operation as the review form's button names it ("split:3:5", "merge:4",
    "up:2"); a split without a line takes it from `split_at` (the form's choice).
    Returns the new agenda, the message and the index of the item to show."""
    name, *args = op.split(":")
    if name not in OPERATIONS or not args or not all(_ARGUMENT.fullmatch(arg) for arg in args):
        raise ReviewError("Deze bewerking bestaat niet. Er is niets veranderd.")
    index = int(args[0])
    if name == "split":
        line = int(args[1]) if len(args) > 1 else (split_at or {}).get(index, -1)
        return split(agenda, index, line)
    if name in ("up", "down"):
        return move(agenda, index, name)
    return OPERATIONS[name](agenda, index)
