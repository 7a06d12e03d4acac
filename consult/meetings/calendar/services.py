"""Calendars: an .ics per meeting and a personal feed for calendar apps.

Times are written as UTC ("...Z"): every calendar app shows them in its own zone, so a
meeting at 09.30 in Amsterdam stays at 09.30 across the DST change. Every event has a
stable UID (meeting-<id>@consult, deadline-<id>@consult) and a SEQUENCE that grows with
the meeting's audit log, so an updated meeting replaces the old one.

The feed is a full snapshot of what is coming: a cancelled meeting is left out, and a
subscribed calendar then drops it. The .ics of one cancelled meeting says
STATUS:CANCELLED, so importing it again cancels the event in the calendar.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.accounts.models import User
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.constituency import in_constituency
from consult.meetings.models import Body, Meeting, MeetingChange
from consult.meetings.services import meeting_title
from consult.pages import external_url, format_date, local_time
from consult.permissions import is_body_delegate

if TYPE_CHECKING:
    from icalendar import Calendar, Event

PRODID = "-//Consult//NL"
FEED_NAME = "Consult: vergaderingen en deadlines"
DEADLINE_MINUTES = 15


def new_calendar(name: str | None = None) -> Calendar:
    # icalendar (some 3 MB per worker) loads with the first .ics or reminder only.
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", current_app.config["TIMEZONE"])
        # How often subscribed calendars should fetch the feed again.
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    return calendar


def meeting_page_url(meeting: Meeting) -> str:
    return external_url("meetings.meeting", meeting_id=meeting.id)


def change_stats(meeting_ids: list[int]) -> dict[int, tuple[int, datetime | None]]:
    """Per meeting: the number of audit-log entries (the SEQUENCE) and the latest one."""
    if not meeting_ids:
        return {}
    rows = db.session.execute(
        select(MeetingChange.meeting_id, func.count(MeetingChange.id), func.max(MeetingChange.at))
        .where(MeetingChange.meeting_id.in_(meeting_ids))
        .group_by(MeetingChange.meeting_id)
    ).all()
    return {meeting_id: (count, last) for meeting_id, count, last in rows}


def _as_utc_aware(moment):
    # func.max over a UTCDateTime column may come back as text/naive on SQLite.
    if moment is None or (isinstance(moment, datetime) and moment.tzinfo is not None):
        return moment
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC)


def meeting_events(meeting: Meeting, *, stamp: datetime,
                   stats: tuple[int, datetime | None] = (0, None)) -> list[Event]:
    """The meeting itself and its input deadline, as two VEVENTs."""
    sequence, last_change = stats
    last_modified = max(filter(None, (
        meeting.created_at, meeting.published_at, meeting.cancelled_at,
        _as_utc_aware(last_change),
    )))
    events = [_meeting_event(meeting), _deadline_event(meeting)]
    for event in events:
        event.add("dtstamp", stamp)
        event.add("last-modified", last_modified)
        event.add("created", meeting.created_at)
        event.add("sequence", sequence)
        event.add("url", meeting_page_url(meeting))
        event.add("status", "CANCELLED" if meeting.cancelled_at else "CONFIRMED")
    return events


def _prefix(meeting: Meeting) -> str:
    return "Geannuleerd: " if meeting.cancelled_at is not None else ""


def _meeting_event(meeting: Meeting) -> Event:
    lines = [f"Vergadering van {meeting.body.name}."]
    if meeting.cancelled_at is not None:
        lines.append("Deze vergadering is geannuleerd."
                     + (f" Reden: {meeting.cancel_reason}" if meeting.cancel_reason else ""))
    if meeting.online and meeting.location:
        lines.append("De vergadering is (ook) online.")
    lines.append(f"Inbreng geven kan tot {format_date(meeting.input_deadline, True)}.")
    lines.append(f"Agenda en inbreng: {meeting_page_url(meeting)}")
    from icalendar import Event

    event = Event()
    event.add("uid", f"meeting-{meeting.id}@consult")
    event.add("summary", f"{_prefix(meeting)}Vergadering {meeting.body.name}")
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    if location := meeting.location or ("Online" if meeting.online else ""):
        event.add("location", location)
    event.add("description", "\n\n".join(lines))
    event.add("transp", "OPAQUE")
    return event


def _deadline_event(meeting: Meeting) -> Event:
    from icalendar import Alarm, Event

    title = meeting_title(meeting)
    deadline = Event()
    deadline.add("uid", f"deadline-{meeting.id}@consult")
    deadline.add("summary", f"{_prefix(meeting)}Deadline inbreng: {title}")
    # A short block that ends at the deadline: the last moment to give input.
    deadline.add("dtstart", meeting.input_deadline - timedelta(minutes=DEADLINE_MINUTES))
    deadline.add("dtend", meeting.input_deadline)
    deadline.add("description", "\n\n".join([
        f"Geef uw inbreng op de agenda van {title}, uiterlijk "
        f"{format_date(meeting.input_deadline, True)}.",
        f"Agenda en inbreng: {meeting_page_url(meeting)}",
    ]))
    deadline.add("transp", "TRANSPARENT")  # a deadline does not make you busy
    if meeting.cancelled_at is None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Morgen deadline inbreng: {title}")
        alarm.add("trigger", timedelta(days=-1))
        deadline.add_component(alarm)
    return deadline


def meeting_calendar(meeting: Meeting, now: datetime | None = None) -> bytes:
    calendar = new_calendar()
    stats = change_stats([meeting.id]).get(meeting.id, (0, None))
    for event in meeting_events(meeting, stamp=now or utcnow(), stats=stats):
        calendar.add_component(event)
    return calendar.to_ical()


def feed_bodies(user: User) -> list[Body]:
    """Bodies whose constituency includes the user, and the bodies the user is delegate of
    (admins too: only these, not every body)."""
    bodies = db.session.scalars(select(Body).options(
        selectinload(Body.delegates), selectinload(Body.organisation_rows),
        selectinload(Body.regions)).order_by(Body.name)).all()
    return [body for body in bodies
            if is_body_delegate(user, body) or in_constituency(user, body)]


def feed_meetings(user: User, now: datetime) -> list[Meeting]:
    """Published, not cancelled meetings of the user's bodies that have not ended yet."""
    body_ids = [body.id for body in feed_bodies(user)]
    if not body_ids:
        return []
    return db.session.scalars(
        select(Meeting)
        .where(Meeting.body_id.in_(body_ids), Meeting.published_at.is_not(None),
               Meeting.cancelled_at.is_(None), Meeting.ends_at > now)
        .order_by(Meeting.starts_at)
    ).all()


def feed_calendar(user: User, now: datetime | None = None) -> bytes:
    now = now or utcnow()
    calendar = new_calendar(FEED_NAME)
    meetings = feed_meetings(user, now)
    stats = change_stats([meeting.id for meeting in meetings])
    for meeting in meetings:
        for event in meeting_events(meeting, stamp=now,
                                    stats=stats.get(meeting.id, (0, None))):
            calendar.add_component(event)
    return calendar.to_ical()


def feed_url(user: User) -> str:
    return external_url("calendar.feed", token=user.calendar_token)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "vergadering"


def meeting_filename(meeting: Meeting) -> str:
    day = local_time(meeting.starts_at).date().isoformat()
    return f"{slug(meeting.body.short_name or meeting.body.name)}-{day}.ics"


# --- the secret token of the feed ---------------------------------------------------


def ensure_calendar_token(user: User) -> str:
    if not user.calendar_token:
        user.calendar_token = secrets.token_urlsafe(32)
    return user.calendar_token


def renew_calendar_token(user: User) -> str:
    """A new token: the old feed URL stops working."""
    user.calendar_token = secrets.token_urlsafe(32)
    return user.calendar_token


def feed_user(token: str) -> User | None:
    """The active member whose feed this token opens."""
    user = db.session.scalar(select(User).where(User.calendar_token == token))
    return user if user is not None and user.is_active else None
