"""What the parser proposes: items for the delegate to review, never saved as they are."""

from __future__ import annotations

from dataclasses import dataclass, field

PURPOSES = ("informatie", "bespreking", "advisering", "besluitvorming")


@dataclass
class ProposedAttachment:
    label: str
    title: str


@dataclass
class ProposedItem:
    number: str
    sub: str
    title: str
    explanation: str
    purpose: str | None
    presenter: str
    asks_input: bool
    attachments: list[ProposedAttachment] = field(default_factory=list)
    # Only a past report has these: the body's statement ("Inbreng VIAG/IMG+CIO") and the
    # outcome ("Bespreking TF") written under the item.
    statement: str = ""
    outcome: str = ""


@dataclass
class ProposedAgenda:
    items: list[ProposedItem]
    preamble: str
