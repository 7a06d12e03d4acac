"""The rules of meetings: deadlines, status, agenda editing, publishing, rescheduling."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from consult.accounts.models import User
from consult.database import utcnow
from consult.extensions import db
from consult.meetings import signals
from consult.meetings.constituency import constituency_query, my_bodies_query
from consult.meetings.models import (
    AgendaItem,
    Body,
    Meeting,
    MeetingChange,
    Purpose,
)
from consult.meetings.status import MeetingStatus, meeting_status  # noqa: F401  (re-exported)
from consult.pages import external_url, format_date
from consult.permissions import (
    can_manage_meetings,
    can_view_meeting,
)


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


def meeting_times(body: Body, day: date, start: time, end: time,
                  deadline_day: date | None = None,
                  deadline_at: time | None = None) -> tuple[datetime, datetime, datetime]:
    """(starts_at, ends_at, input_deadline) of a meeting on `day`, in local time; without
    a deadline date and time, the body's rule proposes one."""
    starts_at, ends_at = local_datetime(day, start), local_datetime(day, end)
    if deadline_day and deadline_at:
        return starts_at, ends_at, local_datetime(deadline_day, deadline_at)
    return starts_at, ends_at, propose_deadline(body, starts_at)


def meeting_title(meeting: Meeting) -> str:
    return f"{meeting.body.name}, {format_date(meeting.starts_at)}"


def meeting_location(meeting: Meeting) -> str:
    """The place, with "(ook online)" when the meeting is also online and the place does
    not say so already ("Den Haag (en online via Teams)")."""
    if not meeting.online or "online" in meeting.location.lower():
        return meeting.location
    return f"{meeting.location} (ook online)" if meeting.location else "Online"


def record_change(meeting: Meeting, by: User | None, action: str, field: str = "",
                  old: str = "", new: str = "", note: str = "") -> None:
    meeting.changes.append(MeetingChange(user_id=by.id if by else None, action=action,
                                         field=field, old_value=old, new_value=new, note=note))


def create_meeting(body: Body, by: User, *, starts_at: datetime, ends_at: datetime | None = None,
                   location: str = "", online: bool = False,
                   input_deadline: datetime | None = None, description: str = "") -> Meeting:
    """A draft meeting (flushed: it has its id); raises MeetingRuleError, writing
    nothing, for impossible times."""
    ends_at = ends_at or starts_at + timedelta(hours=3)
    input_deadline = input_deadline or propose_deadline(body, starts_at)
    check_times(starts_at, ends_at, input_deadline)
    meeting = Meeting(body=body, starts_at=starts_at, ends_at=ends_at, location=location,
                      online=online, input_deadline=input_deadline, description=description)
    db.session.add(meeting)
    record_change(meeting, by, "aangemaakt")
    db.session.flush()
    return meeting


def change_meeting(meeting: Meeting, by: User, *, starts_at: datetime, ends_at: datetime,
                   input_deadline: datetime, location: str, online: bool,
                   note: str = "", description: str | None = None) -> list[str]:
    """The meeting form of an existing meeting: new times go through reschedule_meeting
    (audit log, reminders), the place is simply set. Returns the moved fields."""
    changed = reschedule_meeting(meeting, by, starts_at=starts_at, ends_at=ends_at,
                                 input_deadline=input_deadline, note=note)
    meeting.location, meeting.online = location, online
    if description is not None:
        meeting.description = description
    return changed


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
    # A conditional update, not a read-then-write: of two requests publishing at once
    # (on PostgreSQL the second waits for the first's row lock, then finds it set)
    # exactly one publishes; the other is told it already was.
    published = db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id, Meeting.published_at.is_(None))
        .values(published_at=now))
    if published.rowcount != 1:
        db.session.refresh(meeting)
        raise MeetingRuleError("Deze vergadering is al gepubliceerd.")
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


ITEM_FIELDS = frozenset(
    ("number", "sub", "title", "explanation", "presenter", "purpose", "asks_input"))


def add_item(meeting: Meeting, **fields) -> AgendaItem:
    """A new item at the end of the agenda (flushed: it has its id); `fields` as for
    update_item."""
    item = AgendaItem(position=next_position(meeting), title="")
    meeting.items.append(item)
    update_item(item, **fields)
    db.session.flush()
    return item


def update_item(item: AgendaItem, **fields) -> None:
    """Set an item's fields (ITEM_FIELDS). A sub-number is kept in capitals ("3A");
    `purpose` is a Purpose, its value, or empty for none."""
    if unknown := set(fields) - ITEM_FIELDS:
        raise TypeError(f"not a field of an agenda item: {', '.join(sorted(unknown))}")
    if "sub" in fields:
        fields["sub"] = (fields["sub"] or "").upper()
    if "purpose" in fields:
        fields["purpose"] = Purpose(fields["purpose"]) if fields["purpose"] else None
    for name, value in fields.items():
        setattr(item, name, value)


def delete_item(item: AgendaItem) -> None:
    """Only a draft's items are deleted: once members have seen an item it is withdrawn
    instead ("van de agenda"), so they see why it went."""
    if item.meeting.published_at is not None:
        raise MeetingRuleError("Een gepubliceerd agendapunt verwijdert u niet: haal het van de "
                               "agenda, dan zien leden waarom.")
    item.meeting.items.remove(item)


def agenda_blocks(items: list[AgendaItem]) -> list[list[AgendaItem]]:
    """The agenda in order, as main items each with the sub-items under it."""
    blocks: list[list[AgendaItem]] = []
    for item in sorted(items, key=lambda i: i.position):
        if item.sub and blocks and not blocks[-1][0].sub:
            blocks[-1].append(item)
        else:
            blocks.append([item])
    return blocks


def _move_target(item: AgendaItem, direction: str) -> tuple[list, int, int] | None:
    """The list `item` moves in (the blocks, or a parent's sub-items), its index there
    and the neighbour's; None at the edge."""
    blocks = agenda_blocks(item.meeting.items)
    step = -1 if direction == "up" else 1
    for at, block in enumerate(blocks):
        if block[0] is item:
            units, index = blocks, at
            break
        if item in block[1:]:
            units, index = [[sub] for sub in block[1:]], block.index(item) - 1
            break
    else:
        return None
    other = index + step
    return (units, index, other) if 0 <= other < len(units) else None


def move_item(item: AgendaItem, direction: str) -> bool:
    """Up or down past the neighbour on the same level: a main item with its sub-items,
    a sub-item among its siblings. False at the edge."""
    target = _move_target(item, direction)
    if target is None:
        return False
    units, index, other = target
    positions = sorted(i.position for unit in units for i in unit)
    units[index], units[other] = units[other], units[index]
    for position, moved in zip(positions, (i for unit in units for i in unit), strict=True):
        moved.position = position
    return True


def can_move(item: AgendaItem, direction: str) -> bool:
    return _move_target(item, direction) is not None


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


def manageable_bodies(user: User) -> list[Body]:
    """The bodies whose meetings `user` may create: "nieuwe vergadering" offers these."""
    bodies = db.session.scalars(
        select(Body).options(selectinload(Body.delegates)).order_by(Body.name)).all()
    return [body for body in bodies if can_manage_meetings(user, body)]


def upcoming_meetings(user: User, now: datetime) -> list[Meeting]:
    """Mijn overleggen: the meetings of the bodies that ask `user` for input (or that the
    user is a delegate of) that have not ended a day ago and are not cancelled."""
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.body_id.in_(my_bodies_query(user)),
               Meeting.ends_at > now - timedelta(days=1), Meeting.cancelled_at.is_(None))
        .options(joinedload(Meeting.body).joinedload(Body.delegates))
        .order_by(Meeting.starts_at)
    ).unique().all()
    return [meeting for meeting in meetings if can_view_meeting(user, meeting)]
