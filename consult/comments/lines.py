"""The input on the item page, as plain values read with one query (issue 17): the page
lists up to hundreds of inputs, and ORM objects with their author and a Jinja include
per input cost several times what the page shows."""

from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select

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


# Of the tables, not the ORM classes: the session then runs it as a Core statement, whose
# result handling costs half the ORM's for the same rows (autoflush still applies).
_comment, _author, _region = Comment.__table__.c, User.__table__.c, Region.__table__.c
_entered = User.__table__.alias("entered_by")
_LISTED = (
    select(_comment.id, _comment.kind, _comment.late, _comment.text, _comment.author_id,
           _comment.entered_by_id, _comment.on_behalf, _comment.organisation,
           _comment.received_via, _comment.created_at, _comment.updated_at, _comment.mark,
           _author.name, _author.municipality, _author.organisation, _region.name,
           _entered.c.name)
    .select_from(Comment.__table__.join(User.__table__, _author.id == _comment.author_id)
                 .outerjoin(Region.__table__, _region.id == _author.chairs_region_id)
                 .outerjoin(_entered, _entered.c.id == _comment.entered_by_id))
    .where(_comment.item_id == bindparam("item_id"), _comment.withdrawn_at.is_(None))
    .order_by(_comment.created_at, _comment.id)
)
# Built once, at import: composing a select costs about as much as running this one.
_OWN_AND_ON_TIME = _LISTED.where(or_(_comment.author_id == bindparam("user_id"),
                                     _comment.late.is_(False)))
_OWN = _LISTED.where(_comment.author_id == bindparam("user_id"))


def _statement(user: User, item: AgendaItem):
    """Input others may see: all (delegates, or when the body allows it) or only one's
    own. Late input is for the delegates (and its author)."""
    if can_manage_meetings(user, item.meeting.body):
        return _LISTED
    return _OWN_AND_ON_TIME if can_see_all_input(user, item.meeting) else _OWN


def comment_lines(user: User, item: AgendaItem) -> list[CommentLine]:
    """The input of an item that `user` may see, oldest first."""
    now, zone = utcnow(), local_zone()
    rows = db.session.execute(_statement(user, item), {"item_id": item.id, "user_id": user.id})
    lines = []
    # Unpacked by position: reading a row's fields by name costs more than the rest here.
    for (id_, kind, late, text, author_id, entered_by_id, on_behalf, organisation,
         received_via, created_at, updated_at, mark, name, municipality, author_organisation,
         region, entered_by) in rows:
        line = CommentLine(
            id=id_, item=item, kind=kind, kind_label=KIND_LABELS[kind], late=late, text=text,
            author_id=author_id, entered_by_id=entered_by_id, author_name=name,
            municipality=municipality,
            behalf=behalf_text(on_behalf, municipality, region,
                               organisation or author_organisation),
            created_iso=created_at.isoformat(),
            created_text=format_date(created_at, True, zone),
            edited=updated_at != created_at, entered_by=entered_by,
            received_via=received_via, mine=author_id == user.id, used=mark == Mark.USED)
        # The rule itself, on the line (it reads the ids first: cheap for others' input).
        line.changeable = can_change_comment(user, line, now)
        lines.append(line)
    return lines
