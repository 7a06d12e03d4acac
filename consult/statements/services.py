"""Consolidation: marks on input, statements with append-only revisions, conflicts
between two delegates, the workbench's queries, and what became of a member's input.
Outcomes and the terugkoppeling: statements/outcomes.py."""

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from consult.accounts.models import Organisation, Region, User
from consult.comments.models import Comment, CommentKind, Mark
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.status import MeetingStatus, meeting_status
from consult.statements.models import (
    Outcome,
    Statement,
    StatementDraft,
    StatementEvent,
    StatementRevision,
    StatementStatus,
)

MAX_STATEMENT = 20000


class ConsolidationError(ValueError):
    """A change the rules do not allow; the message is for the delegate (Dutch)."""


class StatementConflict(ConsolidationError):
    """Someone saved a newer version since this editor opened; both texts are kept."""

    def __init__(self, statement: Statement, mine: str):
        super().__init__("Iemand anders heeft deze inbreng intussen opgeslagen. Hieronder staan "
                         "beide teksten: voeg ze samen en sla opnieuw op.")
        self.statement = statement
        self.mine = mine


# --- when what may change -----------------------------------------------------------

def statements_editable(meeting: Meeting, now: datetime | None = None) -> bool:
    """Statements are drafted while input comes in and after the deadline, until the
    meeting starts; then the meeting is read-only but for its outcomes."""
    return meeting_status(meeting, now) in (MeetingStatus.OPEN, MeetingStatus.CLOSED)


def outcomes_editable(meeting: Meeting, now: datetime | None = None) -> bool:
    return meeting_status(meeting, now) == MeetingStatus.HELD


READ_ONLY = "De vergadering is begonnen: de inbreng is nu alleen nog te lezen."


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ConsolidationError(message)


# --- marks ----------------------------------------------------------------------

def mark_comment(delegate: User, comment: Comment, mark: Mark | None, reason: str = "") -> None:
    require(statements_editable(comment.item.meeting), READ_ONLY)
    comment.mark = mark
    comment.mark_reason = reason.strip()[:2000] if mark == Mark.NOT_USED else ""
    comment.marked_by_id = delegate.id if mark else None
    comment.marked_at = utcnow() if mark else None


# --- statements -------------------------------------------------------------------

def statement_for(item: AgendaItem, create: bool = True) -> Statement:
    """The item's statement; created on first use, or (`create=False`, for pages that
    only read) an empty one that is not stored."""
    statement = db.session.scalar(select(Statement).where(Statement.item_id == item.id))
    if statement is None:
        statement = Statement(item=item, status=StatementStatus.DRAFT)
        if create:
            db.session.add(statement)
            db.session.flush()
    return statement


def clean_statement(text: str | None) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_STATEMENT:
        raise ConsolidationError(f"De tekst is {len(text)} tekens; het maximum is "
                                 f"{MAX_STATEMENT}.")
    return text


def save_statement(statement: Statement, author: User, text: str,
                   base_revision_id: int | None, note: str = "") -> StatementRevision | None:
    """Append a revision when the text changed. `base_revision_id` is the revision the
    editor started from: if another one was saved since, StatementConflict (the caller
    keeps the author's text as a draft). The pointer moves with a conditional update, so
    two saves racing on PostgreSQL or SQLite cannot both win."""
    require(statements_editable(statement.item.meeting), READ_ONLY)
    require_draft_status(statement)
    text = clean_statement(text)
    if text == statement.text:
        discard_draft(statement, author)
        return None
    if statement.current_revision_id != base_revision_id:
        raise StatementConflict(statement, text)
    number = (db.session.scalar(select(func.max(StatementRevision.number)).where(
        StatementRevision.statement_id == statement.id)) or 0) + 1
    revision = StatementRevision(statement_id=statement.id, number=number, text=text,
                                 author_id=author.id, note=note, created_at=utcnow())
    try:
        # One savepoint: a save that loses the race leaves no revision behind, so the
        # caller can keep the request's other writes (the author's draft).
        with db.session.begin_nested():
            db.session.add(revision)
            db.session.flush()
            if not _move_current(statement, base_revision_id, revision.id):
                raise _Overtaken()
    except (IntegrityError, _Overtaken):  # the number or the pointer was just taken
        db.session.expire(statement)
        raise StatementConflict(statement, text) from None
    db.session.expire(statement, ["current_revision_id", "current_revision", "updated_at"])
    discard_draft(statement, author)
    return revision


def require_draft_status(statement: Statement) -> None:
    """A final statement changes only after it is reopened."""
    require(statement.status == StatementStatus.DRAFT,
            "Deze inbreng is definitief. Heropen hem om hem te wijzigen.")


class _Overtaken(Exception):
    """Another save moved the statement's pointer first."""


def _move_current(statement: Statement, base_revision_id: int | None,
                  revision_id: int) -> bool:
    """Point the statement at the new revision, only if it still points at the base."""
    return bool(db.session.execute(
        update(Statement)
        .where(Statement.id == statement.id,
               Statement.current_revision_id.is_(None) if base_revision_id is None
               else Statement.current_revision_id == base_revision_id)
        .values(current_revision_id=revision_id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount)


def autosave(statement: Statement, author: User, text: str,
             base_revision_id: int | None) -> StatementDraft:
    """The editor's autosave: a draft, while statements may still change."""
    require(statements_editable(statement.item.meeting), READ_ONLY)
    return keep_draft(statement, author, text, base_revision_id)


def keep_draft(statement: Statement, author: User, text: str,
               base_revision_id: int | None) -> StatementDraft:
    """Autosave: the author's unsaved text, one row per delegate per statement."""
    text = clean_statement(text)
    if base_revision_id is not None and db.session.scalar(select(StatementRevision.id).where(
            StatementRevision.id == base_revision_id,
            StatementRevision.statement_id == statement.id)) is None:
        base_revision_id = None  # the form named a version of another statement, or none
    draft = db.session.scalar(select(StatementDraft).where(
        StatementDraft.statement_id == statement.id, StatementDraft.user_id == author.id))
    if draft is None:
        draft = StatementDraft(statement_id=statement.id, user_id=author.id, text=text)
        db.session.add(draft)
    draft.text = text
    draft.base_revision_id = base_revision_id
    draft.updated_at = utcnow()
    return draft


def draft_of(statement: Statement, author: User) -> StatementDraft | None:
    return db.session.scalar(select(StatementDraft).where(
        StatementDraft.statement_id == statement.id, StatementDraft.user_id == author.id))


def discard_draft(statement: Statement, author: User) -> None:
    draft = draft_of(statement, author)
    if draft is not None:
        db.session.delete(draft)


def restore_revision(statement: Statement, author: User,
                     revision: StatementRevision) -> StatementRevision | None:
    require(revision.statement_id == statement.id, "Deze versie hoort niet bij deze inbreng.")
    return save_statement(statement, author, revision.text, statement.current_revision_id,
                          note=f"hersteld uit versie {revision.number}")


def set_status(statement: Statement, user: User, status: StatementStatus) -> None:
    require(statements_editable(statement.item.meeting), READ_ONLY)
    if status == statement.status:
        return
    if status == StatementStatus.FINAL:
        require(bool(statement.text), "Schrijf eerst de inbreng voordat u hem definitief maakt.")
    statement.status = status
    db.session.add(StatementEvent(statement_id=statement.id, user_id=user.id, at=utcnow(),
                                  action="definitief" if status == StatementStatus.FINAL
                                  else "heropend"))


def revisions(statement: Statement) -> list[StatementRevision]:
    return list(db.session.scalars(
        select(StatementRevision).where(StatementRevision.statement_id == statement.id)
        .options(selectinload(StatementRevision.author))
        .order_by(StatementRevision.number.desc())))


_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> Markup:
    """Word-level difference as HTML with <del> and <ins>; the texts are escaped."""
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    parts = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for operation, a1, a2, b1, b2 in matcher.get_opcodes():
        if operation == "equal":
            parts.append(escape("".join(before[a1:a2])))
            continue
        if a2 > a1:
            parts.append(Markup("<del>{}</del>").format("".join(before[a1:a2])))
        if b2 > b1:
            parts.append(Markup("<ins>{}</ins>").format("".join(after[b1:b2])))
    return Markup("").join(parts)


# --- progress ---------------------------------------------------------------------

@dataclass
class ItemProgress:
    item: AgendaItem
    statement: Statement | None
    inputs: int
    unmarked: int


def meeting_progress(meeting: Meeting) -> list[ItemProgress]:
    """Per item asking for input: its statement and input counts (two queries)."""
    items = [item for item in meeting.items if item.asks_input]
    ids = [item.id for item in items]
    statements = {s.item_id: s for s in db.session.scalars(
        select(Statement).where(Statement.item_id.in_(ids))
        .options(joinedload(Statement.current_revision)))}
    counts = {item_id: (live, unmarked) for item_id, live, unmarked in db.session.execute(
        select(Comment.item_id, func.count(Comment.id),
               func.count(Comment.id).filter(Comment.mark.is_(None)))
        .where(Comment.item_id.in_(ids), Comment.withdrawn_at.is_(None))
        .group_by(Comment.item_id))}
    return [ItemProgress(item, statements.get(item.id), *counts.get(item.id, (0, 0)))
            for item in items]


def progress_summary(progress: list[ItemProgress]) -> tuple[int, int]:
    """(items asking for input, of which the statement is final)."""
    asked = [p for p in progress if p.item.open_for_input]
    final = sum(1 for p in asked if p.statement and p.statement.status == StatementStatus.FINAL)
    return len(asked), final


# --- the item's workbench ------------------------------------------------------------

def filtered_comments(item: AgendaItem, *, kind: str | None = None,
                      organisation: str | None = None, region_id: int | None = None,
                      unmarked: bool = False) -> list[Comment]:
    """The live input on an item, oldest first, with the workbench's filters; a filter
    value that names nothing is ignored."""
    query = (select(Comment).where(Comment.item_id == item.id, Comment.withdrawn_at.is_(None))
             .join(User, User.id == Comment.author_id)
             .options(selectinload(Comment.author).selectinload(User.region),
                      selectinload(Comment.author).selectinload(User.chairs_region),
                      selectinload(Comment.entered_by))
             .order_by(Comment.created_at, Comment.id))
    if kind in {k.value for k in CommentKind}:
        query = query.where(Comment.kind == CommentKind(kind))
    if organisation in {o.value for o in Organisation}:
        query = query.where(User.organisation == Organisation(organisation))
    if region_id:
        query = query.where(User.region_id == region_id)
    if unmarked:
        query = query.where(Comment.mark.is_(None))
    return list(db.session.scalars(query))


def used_comments(item: AgendaItem) -> list[Comment]:
    """The input marked "verwerkt", listed under the statement."""
    return list(db.session.scalars(select(Comment).where(
        Comment.item_id == item.id, Comment.withdrawn_at.is_(None), Comment.mark == Mark.USED)
        .options(selectinload(Comment.author))))


def regions() -> list[Region]:
    """For the region filter."""
    return list(db.session.scalars(select(Region).order_by(Region.name)))


def neighbours(item: AgendaItem) -> tuple[AgendaItem | None, AgendaItem | None]:
    """The previous and the next item asking for input: the delegate pages through them."""
    asked = [i for i in item.meeting.items if i.asks_input]
    index = asked.index(item)
    return (asked[index - 1] if index > 0 else None,
            asked[index + 1] if index + 1 < len(asked) else None)


def compared(history: list[StatementRevision], old_number: int | None,
             new_number: int | None) -> tuple:
    """(old, new, word diff) of two revisions by number; the newest against the one
    before it when either is missing. History is newest first."""
    if not history:
        return None, None, None
    by_number = {r.number: r for r in history}
    old, new = by_number.get(old_number), by_number.get(new_number)
    if old is None or new is None:
        new = history[0]
        old = history[1] if len(history) > 1 else history[0]
    return old, new, word_diff(old.text, new.text)


# --- what happened to my input -----------------------------------------------------

def _results_statement():
    final = (Statement.item_id == Comment.item_id) & (Statement.status == StatementStatus.FINAL)
    return (
        select(Comment, Statement, Outcome).join(AgendaItem, AgendaItem.id == Comment.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .outerjoin(Statement, final)
        .outerjoin(Outcome, Outcome.item_id == Comment.item_id)
        .where(Comment.author_id == bindparam("user_id"), Comment.withdrawn_at.is_(None),
               Meeting.cancelled_at.is_(None),
               Meeting.outcomes_published_at.is_not(None) | Statement.id.is_not(None))
        .options(joinedload(Comment.item).joinedload(AgendaItem.meeting)
                 .joinedload(Meeting.body), joinedload(Statement.current_revision))
        .order_by(Meeting.starts_at.desc(), AgendaItem.position)
        .limit(bindparam("limit")))


# Built once: on the home page, building it cost more than running it.
_RESULTS = _results_statement()


def my_input_results(user: User, limit: int = 10) -> list[dict]:
    """"Wat is er met mijn inbreng gedaan?": my input on items whose statement is final or
    whose meeting published its outcomes, newest meeting first (one query)."""
    rows = db.session.execute(_RESULTS, {"user_id": user.id, "limit": limit}).all()
    return [{"comment": c, "statement": statement,
             "outcome": outcome if c.item.meeting.outcomes_published_at else None}
            for c, statement, outcome in rows]
