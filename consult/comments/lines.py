"""The input on the item page, as plain values read with one query (issue 17): the page
lists up to hundreds of inputs, and ORM objects with their author and a Jinja include
per input cost several times what the page shows."""

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from consult.accounts.models import Region, User
from consult.comments.models import Comment, CommentKind, Mark
from consult.comments.services import KIND_LABELS, behalf_text
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import AgendaItem
from consult.pages import format_date, local_zone
from consult.permissions import can_change_comment, can_manage_meetings, can_see_all_input


@dataclass(slots=True)
class CommentLine:
    """One input as the item page shows it."""

    id: int
    item: AgendaItem  # the page's item: the rules read its meeting
    kind: CommentKind
    kind_label: str
    late: bool
    text: str
    author_id: int
    entered_by_id: int | None
    author_name: str
    municipality: str
    behalf: str
    created_iso: str
    created_text: str  # "dinsdag 14 oktober 2026 17.00 uur"
    edited: bool
    entered_by: str | None  # the name of the delegate who recorded it
    received_via: str
    mine: bool
    used: bool  # marked "verwerkt"
    changeable: bool = False
    withdrawn_at: None = None  # only live input is listed


def _query(user: User, item: AgendaItem):
    """Input others may see: all (delegates, or when the body allows it) or only one's
    own. Late input is for the delegates (and its author)."""
    entered = aliased(User)
    query = (
        select(Comment.id, Comment.kind, Comment.late, Comment.text, Comment.author_id,
               Comment.entered_by_id, Comment.on_behalf, Comment.organisation,
               Comment.received_via, Comment.created_at, Comment.updated_at, Comment.mark,
               User.name, User.municipality, User.organisation.label("author_organisation"),
               Region.name.label("region"), entered.name.label("entered_by"))
        .join(User, User.id == Comment.author_id)
        .outerjoin(Region, Region.id == User.chairs_region_id)
        .outerjoin(entered, entered.id == Comment.entered_by_id)
        .where(Comment.item_id == item.id, Comment.withdrawn_at.is_(None))
        .order_by(Comment.created_at, Comment.id)
    )
    if can_manage_meetings(user, item.meeting.body):
        return query
    if can_see_all_input(user, item.meeting):
        return query.where(or_(Comment.author_id == user.id, Comment.late.is_(False)))
    return query.where(Comment.author_id == user.id)


def comment_lines(user: User, item: AgendaItem) -> list[CommentLine]:
    """The input of an item that `user` may see, oldest first."""
    now, zone = utcnow(), local_zone()
    lines = []
    for row in db.session.execute(_query(user, item)):
        line = CommentLine(
            id=row.id, item=item, kind=row.kind, kind_label=KIND_LABELS[row.kind],
            late=row.late, text=row.text, author_id=row.author_id,
            entered_by_id=row.entered_by_id, author_name=row.name,
            municipality=row.municipality,
            behalf=behalf_text(row.on_behalf, row.municipality, row.region,
                               row.organisation or row.author_organisation),
            created_iso=row.created_at.isoformat(), created_text=format_date(row.created_at, True, zone),
            edited=row.updated_at != row.created_at, entered_by=row.entered_by,
            received_via=row.received_via, mine=row.author_id == user.id,
            used=row.mark == Mark.USED)
        # The rule itself, on the line (it reads the ids first: cheap for others' input).
        line.changeable = can_change_comment(user, line, now)
        lines.append(line)
    return lines

