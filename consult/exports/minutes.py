"""A meeting's inbreng read into plain data (`Minutes`), so that making a document never
touches the database. What the documents show of it, and in which order, is decided once
in `consult.exports.layout`; the CSV is the table of the inputs.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.comments.models import Comment, OnBehalf
from consult.comments.services import KIND_LABELS, on_behalf_label
from consult.extensions import db
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.services import meeting_location, meeting_title
from consult.pages import format_date
from consult.statements.models import Outcome, Statement, StatementStatus


@dataclass
class InputRow:
    """One member's input, as the appendix and the CSV show it."""

    kind: str
    text: str
    author: str
    municipality: str
    organisation: str
    region: str
    on_behalf: str
    late: bool
    entered_by: str
    mark: str
    mark_reason: str
    created_at: datetime


@dataclass
class MinutesItem:
    """One agenda item: its number (`label`), title, purpose, presenter, the statement
    and outcome (Markdown; "" when there is none) and, for the appendix, the inputs."""

    label: str
    title: str
    purpose: str
    presenter: str
    withdrawn: bool
    withdrawn_reason: str
    attachments: list[tuple[str, str]]
    statement: str
    statement_is_concept: bool
    outcome: str
    inputs: list[InputRow] = field(default_factory=list)
    asks_input: bool = True


@dataclass
class Minutes:
    title: str
    body_name: str
    short_name: str
    starts_at: datetime
    when: str
    location: str
    statement_label: str
    outcome_label: str
    items: list[MinutesItem]
    with_appendix: bool = False
    with_names: bool = True


ON_BEHALF_GENERIC = {OnBehalf.SELF: "op persoonlijke titel",
                     OnBehalf.MUNICIPALITY: "namens de gemeente",
                     OnBehalf.REGION: "namens de regio", OnBehalf.BOARD: "namens het bestuur"}


def input_row(comment: Comment, with_names: bool) -> InputRow:
    """Without names, nothing that says who wrote it: no name, municipality,
    organisation, region or who entered it, and "namens" only in general terms."""
    author = comment.author
    named = with_names
    return InputRow(
        kind=KIND_LABELS.get(comment.kind, str(comment.kind)),
        text=comment.text,
        author=author.name if named else "",
        municipality=author.municipality if named else "",
        organisation=author.organisation.value if named else "",
        region=author.region.name if named and author.region else "",
        on_behalf=on_behalf_label(comment) if named else ON_BEHALF_GENERIC[comment.on_behalf],
        late=comment.late,
        entered_by=comment.entered_by.name if named and comment.entered_by else "",
        mark=comment.mark.value if comment.mark else "",
        mark_reason=comment.mark_reason,
        created_at=comment.created_at,
    )


def inputs_by_item(item_ids: list[int], with_names: bool) -> dict[int, list[InputRow]]:
    """The inputs that were not withdrawn, oldest first."""
    comments = db.session.scalars(
        select(Comment).where(Comment.item_id.in_(item_ids), Comment.withdrawn_at.is_(None))
        .options(selectinload(Comment.author), selectinload(Comment.entered_by))
        .order_by(Comment.created_at, Comment.id))
    inputs: dict[int, list[InputRow]] = {}
    for comment in comments:
        inputs.setdefault(comment.item_id, []).append(input_row(comment, with_names))
    return inputs


def statements_by_item(item_ids: list[int]) -> dict[int, tuple[str, bool]]:
    """(text, is concept) per item; a statement without text counts as none."""
    statements = db.session.scalars(
        select(Statement).where(Statement.item_id.in_(item_ids))
        .options(selectinload(Statement.current_revision)))
    found = {}
    for statement in statements:
        text = statement.text.strip()
        found[statement.item_id] = (text, bool(text) and statement.status == StatementStatus.DRAFT)
    return found


def collect_minutes(meeting: Meeting, *, with_inputs: bool = False,
                    with_names: bool = True) -> Minutes:
    """Everything an export needs, read in a few queries."""
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .options(selectinload(AgendaItem.attachments)).order_by(AgendaItem.position)
    ).all()
    item_ids = [item.id for item in items]
    statements = statements_by_item(item_ids)
    outcomes = {o.item_id: o.text for o in db.session.scalars(
        select(Outcome).where(Outcome.item_id.in_(item_ids)))}
    inputs = inputs_by_item(item_ids, with_names) if with_inputs else {}
    body = meeting.body
    return Minutes(
        title=meeting_title(meeting), body_name=body.name, short_name=body.short_name,
        starts_at=meeting.starts_at, when=format_date(meeting.starts_at, with_time=True),
        location=meeting_location(meeting),
        statement_label=body.statement_label, outcome_label=body.outcome_label,
        items=[MinutesItem(
            label=item.label, title=item.title, purpose=item.purpose_label,
            presenter=item.presenter, withdrawn=item.withdrawn_at is not None,
            withdrawn_reason=item.withdrawn_reason,
            attachments=[(a.label, a.title or a.filename) for a in item.attachments],
            statement=statements.get(item.id, ("", False))[0],
            statement_is_concept=statements.get(item.id, ("", False))[1],
            outcome=(outcomes.get(item.id) or "").strip(),
            inputs=inputs.get(item.id, []), asks_input=item.asks_input,
        ) for item in items],
        with_appendix=with_inputs, with_names=with_names,
    )
