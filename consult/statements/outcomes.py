"""Outcomes: what the meeting did with each item, recorded by the delegate after the
meeting, and the terugkoppeling that tells every contributor."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.accounts.models import User
from consult.comments.models import Comment, Mark
from consult.comments.services import KIND_LABELS
from consult.database import utcnow
from consult.extensions import db
from consult.mail.services import queue_message
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.services import meeting_title, record_change
from consult.pages import external_url
from consult.statements.models import Outcome, Statement
from consult.statements.services import clean_statement, outcomes_editable, require
from consult.text import markdown_text

NOT_NOW = "Uitkomsten legt u vast na de vergadering en vóór het publiceren."
FATES = {Mark.USED: "verwerkt in de gezamenlijke inbreng", Mark.NOT_USED: "niet overgenomen",
         Mark.READ: "gelezen, niet apart verwerkt"}


def comment_fate(comment: Comment) -> str:
    """What the delegate did with one input, in the contributor's terugkoppeling: verwerkt,
    or niet overgenomen with the delegate's reason ("" when not marked)."""
    fate = FATES.get(comment.mark, "") if comment.mark else ""
    if comment.mark == Mark.NOT_USED and comment.mark_reason.strip():
        fate += f", omdat: {comment.mark_reason.strip().rstrip('.')}"
    return fate


def outcome_items(meeting: Meeting) -> list[AgendaItem]:
    """The items an outcome is recorded for: all but those taken off the agenda."""
    return [item for item in meeting.items if not item.withdrawn_at]


def outcome_texts(items: list[AgendaItem]) -> dict[int, str]:
    """The recorded outcome per item ("" where none)."""
    existing = {o.item_id: o.text for o in db.session.scalars(
        select(Outcome).where(Outcome.item_id.in_([i.id for i in items])))}
    return {item.id: existing.get(item.id, "") for item in items}


def record_outcomes(meeting: Meeting, user: User, texts: dict[int, str]) -> None:
    """The outcome of each item (`texts` by item id); an empty text removes it. Every
    text is checked before anything is written."""
    require(outcomes_editable(meeting), NOT_NOW)
    items = outcome_items(meeting)
    cleaned = {item.id: clean_statement(texts.get(item.id, "")) for item in items}
    for item in items:
        record_outcome(item, user, cleaned[item.id])


def record_outcome(item: AgendaItem, user: User, text: str) -> None:
    require(outcomes_editable(item.meeting), NOT_NOW)
    text = clean_statement(text)
    outcome = db.session.scalar(select(Outcome).where(Outcome.item_id == item.id))
    if not text:
        if outcome is not None:
            db.session.delete(outcome)
        return
    if outcome is None:
        outcome = Outcome(item=item, text=text, recorded_by_id=user.id)
        db.session.add(outcome)
    elif outcome.text != text:
        outcome.text, outcome.recorded_by_id, outcome.recorded_at = text, user.id, utcnow()


def publish_outcomes(meeting: Meeting, user: User) -> int:
    """Publish the outcomes and queue the terugkoppeling: one message per contributor
    with, for each item they gave input on, their own input, the statement and the
    outcome. Returns the number of messages."""
    require(outcomes_editable(meeting), "Publiceren kan na de vergadering, één keer.")
    meeting.outcomes_published_at = utcnow()
    record_change(meeting, user, "uitkomsten gepubliceerd")
    comments = db.session.scalars(
        select(Comment).join(AgendaItem, AgendaItem.id == Comment.item_id)
        .where(AgendaItem.meeting_id == meeting.id, Comment.withdrawn_at.is_(None))
        .options(selectinload(Comment.author))
        .order_by(AgendaItem.position, Comment.created_at)).all()
    statements = {s.item_id: s for s in db.session.scalars(
        select(Statement).join(AgendaItem, AgendaItem.id == Statement.item_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .options(selectinload(Statement.current_revision)))}
    outcomes = {o.item_id: o for o in db.session.scalars(
        select(Outcome).join(AgendaItem, AgendaItem.id == Outcome.item_id)
        .where(AgendaItem.meeting_id == meeting.id))}
    per_author: dict[int, list[Comment]] = {}
    for comment in comments:
        per_author.setdefault(comment.author_id, []).append(comment)
    title = meeting_title(meeting)
    for author_comments in per_author.values():
        author = author_comments[0].author
        if not author.active:
            continue
        items: dict[int, dict] = {}
        for comment in author_comments:
            entry = items.setdefault(comment.item_id, {
                "item": comment.item, "comments": [],
                "statement": statements.get(comment.item_id),
                "outcome": outcomes.get(comment.item_id)})
            entry["comments"].append(comment)
        queue_message(
            kind="feedback",
            recipient=author.email,
            user_id=author.id,
            subject=f"Wat er met uw inbreng is gedaan: {title}",
            template="feedback",
            context={"user": author, "meeting": meeting, "title": title,
                     "items": list(items.values()), "kind_labels": KIND_LABELS,
                     "fate": comment_fate, "as_text": markdown_text,
                     "url": external_url("meetings.meeting", meeting_id=meeting.id)},
            idempotency_key=f"feedback:{meeting.id}:{author.id}",
        )
    return len(per_author)
