"""The rules of meetings: deadlines, status, agenda editing, publishing, rescheduling."""

import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from consult.accounts.models import User
from consult.database import utcnow
from consult.extensions import db
from consult.meetings import signals
from consult.meetings.agenda_import import ProposedAgenda
from consult.meetings.models import (
    AgendaItem,
    Attachment,
    Body,
    Meeting,
    MeetingChange,
    Purpose,
)
from consult.meetings.status import MeetingStatus, meeting_status  # noqa: F401  (re-exported)
from consult.pages import external_url
from consult.permissions import constituency_query


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_datetime(day: date, at: time) -> datetime:
    """A wall-clock moment in Europe/Amsterdam, as aware UTC (DST handled by zoneinfo)."""
    return datetime.combine(day, at, tzinfo=local_zone()).astimezone(ZoneInfo("UTC"))


def working_days_before(day: date, count: int) -> date:
    """`count` working days before `day`, skipping Saturdays and Sundays."""
    while count > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def propose_deadline(body: Body, starts_at: datetime) -> datetime:
    """The body's rule, e.g. 3 working days before the meeting at 17.00 local time."""
    meeting_day = starts_at.astimezone(local_zone()).date()
    return local_datetime(working_days_before(meeting_day, body.deadline_working_days),
                          body.deadline_time)


def meeting_title(meeting: Meeting) -> str:
    from consult.pages import format_date

    return f"{meeting.body.name}, {format_date(meeting.starts_at)}"


def record_change(meeting: Meeting, by: User | None, action: str, field: str = "",
                  old: str = "", new: str = "", note: str = "") -> None:
    meeting.changes.append(MeetingChange(user_id=by.id if by else None, action=action,
                                         field=field, old_value=old, new_value=new, note=note))


def create_meeting(body: Body, by: User, *, starts_at: datetime, ends_at: datetime | None = None,
                   location: str = "", online: bool = False,
                   input_deadline: datetime | None = None) -> Meeting:
    meeting = Meeting(
        body=body,
        starts_at=starts_at,
        ends_at=ends_at or starts_at + timedelta(hours=3),
        location=location,
        online=online,
        input_deadline=input_deadline or propose_deadline(body, starts_at),
    )
    db.session.add(meeting)
    record_change(meeting, by, "aangemaakt")
    return meeting


class MeetingRuleError(ValueError):
    """A change the lifecycle does not allow; the message is for the user (Dutch)."""


def check_times(starts_at: datetime, ends_at: datetime, input_deadline: datetime) -> None:
    if ends_at <= starts_at:
        raise MeetingRuleError("De eindtijd moet na de begintijd liggen.")
    if input_deadline > starts_at:
        raise MeetingRuleError("De deadline voor inbreng moet vóór de vergadering liggen.")


def reschedule_meeting(meeting: Meeting, by: User, *, starts_at: datetime, ends_at: datetime,
                       input_deadline: datetime, note: str = "") -> list[str]:
    """Move the meeting and/or its deadline; every change lands in the audit log."""
    check_times(starts_at, ends_at, input_deadline)
    from consult.pages import format_date

    changed = []
    for field, new in (("starts_at", starts_at), ("ends_at", ends_at),
                       ("input_deadline", input_deadline)):
        old = getattr(meeting, field)
        if old != new:
            record_change(meeting, by, "verplaatst", field, format_date(old, with_time=True),
                          format_date(new, with_time=True), note)
            setattr(meeting, field, new)
            changed.append(field)
    if changed:
        signals.meeting_rescheduled.send(meeting, now=utcnow())
    return changed


def meeting_url(meeting: Meeting) -> str:
    return external_url("meetings.meeting", meeting_id=meeting.id)


def publish_meeting(meeting: Meeting, by: User, now: datetime | None = None) -> int:
    """Open the meeting for input. Its reminders are planned on meeting_published; the
    "agenda open" rule among them mails the constituency at the next scheduler tick.
    Returns the number of members asked for input."""
    now = now or utcnow()
    if meeting.published_at is not None:
        raise MeetingRuleError("Deze vergadering is al gepubliceerd.")
    if meeting.cancelled_at is not None:
        raise MeetingRuleError("Een geannuleerde vergadering kan niet worden gepubliceerd.")
    if not meeting.items:
        raise MeetingRuleError("Zet eerst agendapunten op de agenda.")
    if meeting.input_deadline <= now:
        raise MeetingRuleError("De deadline voor inbreng is al voorbij. Verplaats eerst de deadline.")
    meeting.published_at = now
    record_change(meeting, by, "gepubliceerd")
    signals.meeting_published.send(meeting, now=now)
    return db.session.scalar(select(func.count()).select_from(
        constituency_query(meeting.body).order_by(None).subquery()))


def cancel_meeting(meeting: Meeting, by: User, reason: str) -> None:
    if meeting.cancelled_at is not None:
        raise MeetingRuleError("Deze vergadering is al geannuleerd.")
    meeting.cancelled_at = utcnow()
    meeting.cancel_reason = reason
    record_change(meeting, by, "geannuleerd", note=reason)
    signals.meeting_cancelled.send(meeting, now=meeting.cancelled_at)


# --- agenda items ---------------------------------------------------------------

def next_position(meeting: Meeting) -> int:
    return max((item.position for item in meeting.items), default=0) + 1


def add_item(meeting: Meeting, **fields) -> AgendaItem:
    item = AgendaItem(position=next_position(meeting), **fields)
    meeting.items.append(item)
    return item


def move_item(item: AgendaItem, direction: str) -> bool:
    """Swap with the neighbour above ("up") or below ("down"); False at the edge."""
    items = sorted(item.meeting.items, key=lambda i: i.position)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return False
    neighbour = items[other]
    item.position, neighbour.position = neighbour.position, item.position
    return True


def withdraw_item(item: AgendaItem, by: User, reason: str) -> None:
    """"Gaat van de agenda": the item stays visible, closed for input, with the reason."""
    item.withdrawn_at = utcnow()
    item.withdrawn_reason = reason
    record_change(item.meeting, by, "agendapunt teruggetrokken", "item", item.label, "",
                  reason)


def restore_item(item: AgendaItem, by: User) -> None:
    item.withdrawn_at = None
    item.withdrawn_reason = ""
    record_change(item.meeting, by, "agendapunt teruggezet", "item", "", item.label)


def save_imported_agenda(meeting: Meeting, agenda: ProposedAgenda) -> list[AgendaItem]:
    """Add reviewed items of an imported agenda; attachment labels become placeholders
    ("nog te uploaden") until a file is attached."""
    created = []
    for proposed in agenda.items:
        item = add_item(
            meeting,
            number=proposed.number,
            sub=proposed.sub,
            title=proposed.title,
            explanation=proposed.explanation,
            presenter=proposed.presenter,
            purpose=Purpose(proposed.purpose) if proposed.purpose else None,
            asks_input=proposed.asks_input,
        )
        for attachment in proposed.attachments:
            item.attachments.append(Attachment(label=attachment.label, title=attachment.title))
        created.append(item)
    return created


def ensure_calendar_token(user: User) -> str:
    if not user.calendar_token:
        user.calendar_token = secrets.token_urlsafe(32)
    return user.calendar_token


def renew_calendar_token(user: User) -> str:
    user.calendar_token = secrets.token_urlsafe(32)
    return user.calendar_token


def count_items(meeting_ids: list[int]) -> dict[int, int]:
    if not meeting_ids:
        return {}
    rows = db.session.execute(
        select(AgendaItem.meeting_id, func.count(AgendaItem.id))
        .where(AgendaItem.meeting_id.in_(meeting_ids), AgendaItem.asks_input.is_(True),
               AgendaItem.withdrawn_at.is_(None))
        .group_by(AgendaItem.meeting_id)
    ).all()
    return dict(rows)


def count_responded(item_ids: set[int]) -> dict[int, int]:
    """Responded items per meeting, from a set of item ids (one query)."""
    if not item_ids:
        return {}
    rows = db.session.execute(
        select(AgendaItem.meeting_id, func.count(AgendaItem.id))
        .where(AgendaItem.id.in_(item_ids), AgendaItem.asks_input.is_(True),
               AgendaItem.withdrawn_at.is_(None))
        .group_by(AgendaItem.meeting_id)
    ).all()
    return dict(rows)
