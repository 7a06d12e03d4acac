"""A meeting's reminders and mail, for its delegates: what was planned, sent, skipped,
and every outbox message about the meeting (failed ones can be sent again)."""

from sqlalchemy import select

from consult.extensions import db
from consult.mail import admin
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.meetings.models import Meeting
from consult.meetings.services import meeting_title
from consult.reminders.models import STATUS_LABELS, Reminder, ReminderStatus
from consult.reminders.rules import describe_offset


def meeting_reminders(meeting: Meeting) -> list[Reminder]:
    return list(db.session.scalars(select(Reminder).where(Reminder.meeting_id == meeting.id)
                                   .order_by(Reminder.due_at, Reminder.id)))


def meeting_messages(meeting: Meeting) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.meeting_id == meeting.id).order_by(
        OutboxMessage.created_at.desc(), OutboxMessage.id.desc())))


def overview_context(meeting: Meeting) -> dict:
    reminders = meeting_reminders(meeting)
    messages = meeting_messages(meeting)
    return dict(
        meeting=meeting, reminders=reminders, messages=messages,
        counts={status: sum(1 for r in reminders if r.status == status)
                for status in ReminderStatus},
        message_counts={status: sum(1 for m in messages if m.status == status)
                        for status in OutboxStatus},
        STATUS_LABELS=STATUS_LABELS, OutboxStatus=OutboxStatus, describe=describe_offset,
        not_resendable=admin.not_resendable,
        title=f"Herinneringen en e-mail: {meeting_title(meeting)}")


def meeting_message(meeting: Meeting, message_id: int) -> OutboxMessage | None:
    return db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.meeting_id == meeting.id))


def resend_failed(message: OutboxMessage) -> bool:
    """A failed or held message goes out again (not an expired login link); False
    (nothing changed) for any other. The same rule as the admin's page."""
    return admin.resend(message)
