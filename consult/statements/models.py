"""The delegate's consolidated statement per item ("Inbreng VIAG/IMG+CIO"), its
append-only revisions, and what the meeting did with the item ("Bespreking TF")."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.database import UTCDateTime, utcnow
from consult.extensions import db
from consult.meetings.models import AgendaItem, str_enum


class StatementStatus(enum.StrEnum):
    DRAFT = "concept"
    FINAL = "definitief"


class Statement(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"),
                                         unique=True)
    status: Mapped[StatementStatus] = mapped_column(str_enum(StatementStatus),
                                                    default=StatementStatus.DRAFT)
    # The current text is the newest revision; this pointer makes reading it one join.
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement_revision.id", use_alter=True))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[AgendaItem] = relationship()
    current_revision: Mapped["StatementRevision | None"] = relationship(
        foreign_keys=[current_revision_id], post_update=True)

    @property
    def text(self) -> str:
        return self.current_revision.text if self.current_revision else ""


class StatementRevision(db.Model):
    """Append-only: a save that changes nothing makes no revision."""

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")  # e.g. "hersteld uit versie 3"

    author: Mapped[User] = relationship()
    statement: Mapped[Statement] = relationship(foreign_keys=[statement_id])

    __table_args__ = (UniqueConstraint("statement_id", "number"),)


class StatementDraft(db.Model):
    """Autosaved text of one delegate, not yet saved as a revision: never lost, never in
    anyone else's way."""

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(Text)
    base_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement_revision.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("statement_id", "user_id"),)


class Outcome(db.Model):
    """What the meeting did with an item, recorded by the delegate afterwards."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"),
                                         unique=True)
    text: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[AgendaItem] = relationship()


class StatementEvent(db.Model):
    """Status changes of a statement: finalised, reopened (who and when)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))  # "definitief", "heropend"

    user: Mapped[User] = relationship()


class DeskVisit(db.Model):
    """When a delegate last opened a meeting's workspace (a chair: its participation), so
    the home page can say how much input is new since then."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "meeting_id"),)


class DraftReview(db.Model):
    """Concept ter inzage: one revision of an item's statement sent to its contributors,
    to answer before `answer_by`. A later review of the same item supersedes it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"),
                                         index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("statement_revision.id"))
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer_by: Mapped[datetime] = mapped_column(UTCDateTime)

    item: Mapped[AgendaItem] = relationship()
    revision: Mapped[StatementRevision] = relationship()
    answers: Mapped[list["DraftReviewAnswer"]] = relationship(
        back_populates="review", order_by="DraftReviewAnswer.id", cascade="all, delete-orphan")


class DraftReviewAnswer(db.Model):
    """One contributor's answer to a review: "akkoord" or "bezwaar" with a note. The row
    exists from sending on (answer empty) and holds the digest of the link's token."""

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("draft_review.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    answer: Mapped[str | None] = mapped_column(String(10))  # "akkoord" | "bezwaar"
    note: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    review: Mapped[DraftReview] = relationship(back_populates="answers")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("review_id", "user_id"),)
