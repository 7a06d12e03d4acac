"""Reminder rules per body, the reminder rows planned from them per meeting, and each
member's reminder preferences.

Reminders are rows, not scheduler jobs (DESIGN §4): publishing, rescheduling or
cancelling a meeting (re)plans its rows; the scheduler tick claims due rows with a
conditional update and turns them into outbox messages.
"""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.database import UTCDateTime, utcnow
from consult.extensions import db
from consult.meetings.models import Body, Meeting, str_enum


class Anchor(enum.StrEnum):
    PUBLICATION = "publication"
    DEADLINE = "deadline"
    MEETING_START = "meeting_start"
    MEETING_END = "meeting_end"


ANCHOR_LABELS = {
    Anchor.PUBLICATION: "de publicatie",
    Anchor.DEADLINE: "de deadline voor inbreng",
    Anchor.MEETING_START: "het begin van de vergadering",
    Anchor.MEETING_END: "het einde van de vergadering",
}


class Audience(enum.StrEnum):
    ALL = "all"
    NON_RESPONDERS = "non_responders"
    CHAIRS = "chairs"
    DELEGATES = "delegates"
    CONTRIBUTORS = "contributors"
    REVIEW_OPEN = "review_open"


AUDIENCE_LABELS = {
    Audience.ALL: "alle leden van het overleg",
    Audience.NON_RESPONDERS: "leden die nog niet reageerden",
    Audience.CHAIRS: "regiovoorzitters (met de namen uit hun regio die nog niet reageerden)",
    Audience.DELEGATES: "de gedelegeerden van het overleg",
    Audience.CONTRIBUTORS: "leden die inbreng gaven op deze vergadering",
    Audience.REVIEW_OPEN: "indieners die het concept ter inzage nog niet beantwoordden",
}


class Condition(enum.StrEnum):
    NONE = "none"
    STATEMENT_NOT_FINAL = "statement_not_final"
    OUTCOMES_MISSING = "outcomes_missing"


CONDITION_LABELS = {
    Condition.NONE: "altijd",
    Condition.STATEMENT_NOT_FINAL: "alleen als een gezamenlijke inbreng nog niet definitief is",
    Condition.OUTCOMES_MISSING: "alleen als de bespreking nog niet is vastgelegd",
}


class ReminderStatus(enum.StrEnum):
    PLANNED = "planned"
    SENDING = "sending"  # claimed; its messages are being written to the outbox
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    FAILED = "failed"  # its fan-out died REMINDER_MAX_ATTEMPTS times


STATUS_LABELS = {
    ReminderStatus.PLANNED: "gepland",
    ReminderStatus.SENDING: "wordt verstuurd",
    ReminderStatus.SENT: "verstuurd",
    ReminderStatus.SKIPPED: "overgeslagen",
    ReminderStatus.CANCELLED: "vervallen",
    ReminderStatus.FAILED: "mislukt",
}


class PreferenceMode(enum.StrEnum):
    EACH = "each"
    DIGEST = "digest"
    OFF = "off"


MODE_LABELS = {
    PreferenceMode.EACH: "Elke herinnering apart",
    PreferenceMode.DIGEST: "Eén overzicht per dag (om 07.00 uur)",
    PreferenceMode.OFF: "Geen herinneringen",
}


class ReminderRule(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), index=True)
    anchor: Mapped[Anchor] = mapped_column(str_enum(Anchor))
    # Signed: negative is before the anchor. Whole days keep the local wall-clock time
    # (Europe/Amsterdam), the rest is exact minutes: see services.due_time.
    offset_minutes: Mapped[int] = mapped_column(default=0)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    condition: Mapped[Condition] = mapped_column(str_enum(Condition, length=30),
                                                 default=Condition.NONE)
    subject: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[Body] = relationship()

    @property
    def anchor_label(self) -> str:
        return ANCHOR_LABELS[self.anchor]

    @property
    def audience_label(self) -> str:
        return AUDIENCE_LABELS[self.audience]

    @property
    def condition_label(self) -> str:
        return CONDITION_LABELS[self.condition]


class Reminder(db.Model):
    """One planned moment of one rule for one meeting."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    # A deleted rule keeps the history of what it sent (its planned rows are cancelled).
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("reminder_rule.id",
                                                           ondelete="SET NULL"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ReminderStatus] = mapped_column(str_enum(ReminderStatus),
                                                   default=ReminderStatus.PLANNED)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The real time of the claim, renewed per chunk of its fan-out; `attempts` counts
    # the claims, so a fan-out that keeps dying fails visibly instead of looping.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[Meeting] = relationship()
    rule: Mapped[ReminderRule | None] = relationship()

    __table_args__ = (
        UniqueConstraint("rule_id", "meeting_id", "due_at"),
        Index("ix_reminder_status_due_at", "status", "due_at"),
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class ReminderPreference(db.Model):
    """Per member per body: every reminder, a daily digest, or none; and whether the
    member unsubscribed with the one-click link in a reminder."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"))
    mode: Mapped[PreferenceMode] = mapped_column(str_enum(PreferenceMode),
                                                 default=PreferenceMode.EACH)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "body_id"),)


class DigestEntry(db.Model):
    """A reminder for a member who chose the daily digest, or late input for a delegate
    (`comment_id`): collected here, and sent as one message per member per day by the
    tick."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    reminder_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminder.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The idempotency key of the digest message that took it ("digest:<user>:<date>").
    digest_key: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        UniqueConstraint("reminder_id", "user_id"),
        UniqueConstraint("comment_id", "user_id"),
        Index("ix_digest_entry_user_id_digest_key", "user_id", "digest_key"),
    )
