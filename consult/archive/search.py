"""Search across all meetings: agenda items, input, statements and outcomes.

A case-insensitive LIKE over these few text columns: at this platform's size (hundreds
of meetings, tens of thousands of inputs) it answers in milliseconds on SQLite and
PostgreSQL alike, without a second index to keep in step.
"""

from sqlalchemy import bindparam, func, literal, or_, select, union
from sqlalchemy.orm import selectinload

from consult.accounts.models import Role, User
from consult.comments.models import Comment
from consult.database import contains_pattern, paginate, utcnow
from consult.extensions import db
from consult.meetings.models import AgendaItem, Body, Meeting, body_delegate
from consult.statements.models import Outcome, Statement, StatementRevision, StatementStatus

SOURCE_LABELS = {"item": "agendapunt", "input": "inbreng", "statement": "gezamenlijke inbreng",
                 "outcome": "uitkomst"}
PAGE_SIZE = 20


def _like(column, pattern):
    return func.lower(column).like(pattern, escape="\\")


def _matches_statement(role: Role):
    """(item_id, source), once each, for the texts that contain :pattern and that :user_id
    may read in the role: an admin all, a delegate also all input of her bodies."""
    pattern = bindparam("pattern")
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
    if role != Role.ADMIN:
        # The same rule as the item page: own input, others' when the body shows it (not
        # late input), and everything for the body's delegates; rights follow role and
        # list together (a delegate made a member again stays on the list).
        user_id = bindparam("user_id")
        readable = [Comment.author_id == user_id,
                    Body.members_see_each_other.is_(True) & Comment.late.is_(False)]
        if role == Role.DELEGATE:
            readable.append(Body.id.in_(select(body_delegate.c.body_id).where(
                body_delegate.c.user_id == user_id)))
        inputs = inputs.where(or_(*readable))
    # UNION, not UNION ALL: one row per item and source, however many inputs match (the
    # database drops the repeats; fetching hundreds of rows to do so cost the page more).
    return union(items, statements, outcomes, inputs)


# Built once per role (building them cost about as much as running them).
_MATCHES = {role: _matches_statement(role) for role in Role}


def matching_sources(user: User, q: str) -> dict[int, set[str]]:
    """Per item, where q was found in what the user may read."""
    found: dict[int, set[str]] = {}
    rows = db.session.execute(_MATCHES[user.role],
                              {"pattern": contains_pattern(q), "user_id": user.id})
    for item_id, source in rows:
        found.setdefault(item_id, set()).add(source)
    return found


def archive_page(user: User, q: str, page: int) -> dict:
    """One page of the archive. Without a search: the past published meetings. A search
    looks through all published meetings: in their items, the input the user may read,
    final statements, published outcomes, and the name of the body."""
    q = q.strip()[:100]
    found = matching_sources(user, q) if q else {}
    meetings, page, total, pages = paginate(
        db.session, _meetings_query(q, found).options(selectinload(Meeting.body))
        .order_by(Meeting.starts_at.desc()), page, PAGE_SIZE)
    return {
        "meetings": meetings,
        "matching_items": _matching_items(meetings, found),
        "sources": {item_id: sorted(SOURCE_LABELS[s] for s in sources)
                    for item_id, sources in found.items()},
        "q": q, "total": total, "page": page, "pages": pages,
    }


def _meetings_query(q: str, found: dict[int, set[str]]):
    query = select(Meeting).where(Meeting.published_at.is_not(None))
    if not q:
        return query.where(Meeting.starts_at < utcnow())
    return query.where(or_(
        Meeting.id.in_(select(AgendaItem.meeting_id).where(AgendaItem.id.in_(list(found)))),
        Meeting.body_id.in_(select(Body.id).where(_like(Body.name, contains_pattern(q))))))


def _matching_items(meetings: list[Meeting],
                    found: dict[int, set[str]]) -> dict[int, list[AgendaItem]]:
    """Per meeting on the page, its items that matched the search, in agenda order."""
    matching: dict[int, list[AgendaItem]] = {}
    if not found or not meetings:
        return matching
    for item in db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id.in_([m.id for m in meetings]),
                                 AgendaItem.id.in_(list(found))).order_by(AgendaItem.position)
    ):
        matching.setdefault(item.meeting_id, []).append(item)
    return matching
