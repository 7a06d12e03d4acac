"""Who gets a reminder, and the facts its conditions and texts need. Evaluated when a
reminder fires, never when it is planned: whoever responded in between is left out."""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from consult.accounts.models import User
from consult.comments.models import Comment, NoInput
from consult.extensions import db
from consult.meetings.constituency import constituency_query
from consult.meetings.models import AgendaItem, Meeting
from consult.reminders.models import Audience, Condition, ReminderRule
from consult.statements import draft_review
from consult.statements.models import Statement, StatementStatus


def responder_ids(meeting: Meeting) -> set[int]:
    """Members who responded to the meeting: input on an item, or "geen inbreng"."""
    commented = (select(Comment.author_id).join(AgendaItem, AgendaItem.id == Comment.item_id)
                 .where(AgendaItem.meeting_id == meeting.id, Comment.withdrawn_at.is_(None)))
    no_input = select(NoInput.user_id).where(NoInput.meeting_id == meeting.id)
    return set(db.session.scalars(commented)) | set(db.session.scalars(no_input))


def constituency(meeting: Meeting) -> list[User]:
    return list(db.session.scalars(constituency_query(meeting.body)))


def contributor_ids(meeting: Meeting) -> set[int]:
    return set(db.session.scalars(
        select(Comment.author_id).join(AgendaItem, AgendaItem.id == Comment.item_id)
        .where(AgendaItem.meeting_id == meeting.id, Comment.withdrawn_at.is_(None))))


@dataclass
class Recipient:
    user: User
    region_non_responders: list[User] = field(default_factory=list)


def audience(rule: ReminderRule, meeting: Meeting) -> list[Recipient]:
    """Who gets this rule's message for this meeting, as of now."""
    if rule.audience == Audience.DELEGATES:
        return [Recipient(user) for user in meeting.body.delegates if user.active]
    if rule.audience == Audience.REVIEW_OPEN:
        return [Recipient(user) for user in draft_review.unanswered(meeting)]
    members = constituency(meeting)
    if rule.audience == Audience.ALL:
        return [Recipient(user) for user in members]
    if rule.audience == Audience.CONTRIBUTORS:
        ids = contributor_ids(meeting)
        return [Recipient(user) for user in db.session.scalars(
            select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.name))]
    responded = responder_ids(meeting)
    silent = [user for user in members if user.id not in responded]
    if rule.audience == Audience.NON_RESPONDERS:
        return [Recipient(user) for user in silent]
    # Regional chairs: each with the non-responders of their own region.
    chairs = db.session.scalars(select(User).where(
        User.active.is_(True), User.chairs_region_id.is_not(None)).order_by(User.name))
    recipients = []
    for chair in chairs:
        names = [user for user in silent if user.region_id == chair.chairs_region_id]
        if names:
            recipients.append(Recipient(chair, names))
    return recipients


def open_items(meeting: Meeting) -> list[AgendaItem]:
    return [item for item in meeting.items if item.open_for_input]


def items_not_final(meeting: Meeting) -> list[AgendaItem]:
    final = set(db.session.scalars(
        select(Statement.item_id).join(AgendaItem, AgendaItem.id == Statement.item_id)
        .where(AgendaItem.meeting_id == meeting.id, Statement.status == StatementStatus.FINAL)))
    return [item for item in open_items(meeting) if item.id not in final]


def condition_holds(rule: ReminderRule, meeting: Meeting) -> bool:
    if rule.condition == Condition.STATEMENT_NOT_FINAL:
        return bool(items_not_final(meeting))
    if rule.condition == Condition.OUTCOMES_MISSING:
        return meeting.outcomes_published_at is None
    return True


def input_count(meeting: Meeting) -> int:
    return db.session.scalar(
        select(func.count(Comment.id)).join(AgendaItem, AgendaItem.id == Comment.item_id)
        .where(AgendaItem.meeting_id == meeting.id, Comment.withdrawn_at.is_(None))) or 0
