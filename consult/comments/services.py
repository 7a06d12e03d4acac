"""Who responded to what: input or "geen inbreng" both count as a response."""

from sqlalchemy import select, union

from consult.comments.models import Comment, NoInput
from consult.extensions import db
from consult.meetings.models import AgendaItem


def responded_item_ids(user_id: int, meeting_ids: list[int]) -> set[int]:
    """Items of these meetings the user responded to (one query)."""
    if not meeting_ids:
        return set()
    commented = (
        select(Comment.item_id)
        .join(AgendaItem, AgendaItem.id == Comment.item_id)
        .where(Comment.author_id == user_id, Comment.withdrawn_at.is_(None),
               AgendaItem.meeting_id.in_(meeting_ids))
    )
    item_no_input = select(NoInput.item_id).where(
        NoInput.user_id == user_id, NoInput.meeting_id.in_(meeting_ids),
        NoInput.item_id.is_not(None))
    whole_meeting = (
        select(AgendaItem.id)
        .join(NoInput, (NoInput.meeting_id == AgendaItem.meeting_id) & NoInput.item_id.is_(None))
        .where(NoInput.user_id == user_id, AgendaItem.meeting_id.in_(meeting_ids))
    )
    return set(db.session.scalars(union(commented, item_no_input, whole_meeting)))
