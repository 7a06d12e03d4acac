"""Search across all meetings: agenda items, input, statements and outcomes.

A case-insensitive LIKE over these few text columns: at this platform's size (hundreds
of meetings, tens of thousands of inputs) it answers in milliseconds on SQLite and
PostgreSQL alike, without a second index to keep in step.
"""

from sqlalchemy import func, literal, or_, select, union_all

from consult.accounts.models import Role, User
from consult.comments.models import Comment
from consult.database import contains_pattern
from consult.meetings.models import AgendaItem, Body, Meeting, body_delegate
from consult.statements.models import Outcome, Statement, StatementRevision, StatementStatus

SOURCE_LABELS = {"item": "agendapunt", "input": "inbreng", "statement": "gezamenlijke inbreng",
                 "outcome": "uitkomst"}


def _like(column, pattern):
    return func.lower(column).like(pattern, escape="\\")


def matches(user: User, q: str):
    """A select of (item_id, source) for every text the user may read that contains q."""
    pattern = contains_pattern(q)
    items = select(AgendaItem.id.label("item_id"), literal("item").label("source")).where(
        or_(_like(AgendaItem.title, pattern), _like(AgendaItem.explanation, pattern)))
    statements = (
        select(Statement.item_id, literal("statement"))
        .join(StatementRevision, StatementRevision.id == Statement.current_revision_id)
        .where(Statement.status == StatementStatus.FINAL, _like(StatementRevision.text, pattern)))
    outcomes = (
        select(Outcome.item_id, literal("outcome"))
        .join(AgendaItem, AgendaItem.id == Outcome.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.outcomes_published_at.is_not(None), _like(Outcome.text, pattern)))
    inputs = (
        select(Comment.item_id, literal("input"))
        .join(AgendaItem, AgendaItem.id == Comment.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .where(Comment.withdrawn_at.is_(None), _like(Comment.text, pattern)))
    if user.role != Role.ADMIN:
        # The same rule as the item page: own input, others' when the body shows it (not
        # late input), and everything for the body's delegates.
        delegate_of = select(body_delegate.c.body_id).where(body_delegate.c.user_id == user.id)
        inputs = inputs.where(or_(
            Comment.author_id == user.id,
            Body.id.in_(delegate_of),
            Body.members_see_each_other.is_(True) & Comment.late.is_(False)))
    return union_all(items, statements, outcomes, inputs)
