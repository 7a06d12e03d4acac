"""What members see: Mijn overleggen, the meeting page, the item page, the archive."""

from datetime import timedelta

from flask import Blueprint, abort, request
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from consult.comments.services import responded_item_ids
from consult.database import contains_pattern, utcnow
from consult.extensions import db
from consult.meetings import services
from consult.meetings.models import AgendaItem, Body, BodyOrganisation, Meeting, body_delegate
from consult.meetings.models import body_region as body_region_table
from consult.meetings.pages import item_context, meeting_context
from consult.pages import render_page
from consult.permissions import can_view_meeting

bp = Blueprint("meetings", __name__)


def my_body_ids(user) -> list[int]:
    """Bodies that ask this user for input, or that the user is a delegate of."""
    in_organisation = select(BodyOrganisation.body_id).where(
        BodyOrganisation.organisation == user.organisation)
    no_regions = ~select(body_region_table.c.body_id).where(
        body_region_table.c.body_id == Body.id).exists()
    in_region = Body.id.in_(select(body_region_table.c.body_id).where(
        body_region_table.c.region_id == user.region_id))
    delegate_of = select(body_delegate.c.body_id).where(body_delegate.c.user_id == user.id)
    query = select(Body.id).where(or_(
        Body.id.in_(in_organisation) & (no_regions | in_region),
        Body.id.in_(delegate_of),
    ))
    if user.is_admin:
        query = select(Body.id)
    return list(db.session.scalars(query))


def load_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.scalar(
        select(Meeting).where(Meeting.id == meeting_id).options(
            selectinload(Meeting.body).options(
                selectinload(Body.delegates), selectinload(Body.organisation_rows),
                selectinload(Body.regions)),
            selectinload(Meeting.items).selectinload(AgendaItem.attachments),
        )
    )
    if meeting is None:
        abort(404)
    if not can_view_meeting(current_user, meeting):
        abort(403)
    return meeting


def load_item(item_id: int) -> AgendaItem:
    item = db.session.scalar(
        select(AgendaItem).where(AgendaItem.id == item_id).options(
            selectinload(AgendaItem.attachments),
            selectinload(AgendaItem.meeting).selectinload(Meeting.body).options(
                selectinload(Body.delegates), selectinload(Body.organisation_rows),
                selectinload(Body.regions)),
        )
    )
    if item is None:
        abort(404)
    if not can_view_meeting(current_user, item.meeting):
        abort(403)
    return item


@bp.get("/")
@login_required
def dashboard():
    now = utcnow()
    body_ids = my_body_ids(current_user)
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.body_id.in_(body_ids), Meeting.ends_at > now - timedelta(days=1),
               Meeting.cancelled_at.is_(None))
        .options(selectinload(Meeting.body).selectinload(Body.delegates))
        .order_by(Meeting.starts_at)
    ).all()
    meetings = [m for m in meetings if can_view_meeting(current_user, m)]
    meeting_ids = [m.id for m in meetings]
    asked = services.count_items(meeting_ids)
    responded = responded_item_ids(current_user.id, meeting_ids)
    responded_per_meeting = services.count_responded(responded)
    rows = [
        {
            "meeting": meeting,
            "status": services.meeting_status(meeting, now),
            "asked": asked.get(meeting.id, 0),
            "waiting": asked.get(meeting.id, 0) - responded_per_meeting.get(meeting.id, 0),
        }
        for meeting in meetings
    ]
    from consult.statements.services import my_input_results

    return render_page("meetings/dashboard.html", rows=rows, now=now,
                       MeetingStatus=services.MeetingStatus,
                       results=my_input_results(current_user))


@bp.get("/vergaderingen/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    context = meeting_context(load_meeting(meeting_id))
    context["saved_item_id"] = request.args.get("opgeslagen", type=int)
    return render_page("meetings/meeting.html", **context)


@bp.get("/agendapunten/<int:item_id>")
@login_required
def item(item_id: int):
    item = load_item(item_id)
    saved = request.args.get("opgeslagen", type=int) == item.id
    return render_page("meetings/item.html", **item_context(item, saved=saved))


ARCHIVE_PAGE_SIZE = 20


@bp.get("/archief")
@login_required
def archive():
    """Past meetings, searchable in their items, input, statements and outcomes."""
    from consult.meetings.archive import SOURCE_LABELS, matches

    q = request.args.get("q", "").strip()[:100]
    page = min(max(1, request.args.get("page", 1, type=int)), 10_000)  # no overflowing OFFSET
    # Without a search: the past meetings. A search looks through all published meetings.
    query = select(Meeting).where(Meeting.published_at.is_not(None))
    found: dict[int, set[str]] = {}
    if not q:
        query = query.where(Meeting.starts_at < utcnow())
    else:
        for item_id, source in db.session.execute(matches(current_user, q)):
            found.setdefault(item_id, set()).add(source)
        query = query.where(or_(
            Meeting.id.in_(select(AgendaItem.meeting_id).where(AgendaItem.id.in_(list(found)))),
            Meeting.body_id.in_(select(Body.id).where(
                func.lower(Body.name).like(contains_pattern(q), escape="\\")))))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    meetings = db.session.scalars(
        query.options(selectinload(Meeting.body))
        .order_by(Meeting.starts_at.desc())
        .limit(ARCHIVE_PAGE_SIZE).offset((page - 1) * ARCHIVE_PAGE_SIZE)
    ).all()
    matching_items: dict[int, list[AgendaItem]] = {}
    if found and meetings:
        for item in db.session.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id.in_([m.id for m in meetings]),
                                     AgendaItem.id.in_(list(found))).order_by(AgendaItem.position)
        ):
            matching_items.setdefault(item.meeting_id, []).append(item)
    return render_page(
        "meetings/archive.html",
        block="results",
        meetings=meetings,
        matching_items=matching_items,
        sources={item_id: sorted(SOURCE_LABELS[s] for s in sources)
                 for item_id, sources in found.items()},
        q=q,
        total=total,
        page=page,
        pages=max(1, -(-total // ARCHIVE_PAGE_SIZE)),
        title="Archief",
    )
