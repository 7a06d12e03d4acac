"""The phase of a meeting (DESIGN §3): derived from its dates and flags, never stored."""

import enum
from datetime import datetime

from consult.database import utcnow
from consult.meetings.models import Meeting


class MeetingStatus(enum.StrEnum):
    DRAFT = "concept"
    OPEN = "open voor inbreng"
    CLOSED = "inbreng gesloten"
    HELD = "gehouden"
    DONE = "afgerond"
    CANCELLED = "geannuleerd"


def meeting_status(meeting: Meeting, now: datetime | None = None) -> MeetingStatus:
    now = now or utcnow()
    if meeting.cancelled_at is not None:
        return MeetingStatus.CANCELLED
    if meeting.published_at is None:
        return MeetingStatus.DRAFT
    if meeting.outcomes_published_at is not None:
        return MeetingStatus.DONE
    if now < meeting.input_deadline:
        return MeetingStatus.OPEN
    if now < meeting.starts_at:
        return MeetingStatus.CLOSED
    return MeetingStatus.HELD
