"""Member input (inbreng) on agenda items, and "geen inbreng" responses."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import Organisation, User
from consult.database import UTCDateTime, utcnow
from consult.extensions import db
from consult.meetings.models import AgendaItem, str_enum


class CommentKind(enum.StrEnum):
    INPUT = "inbreng"
    QUESTION = "vraag"
    SUPPORT = "steun"
    CONCERN = "zorg"


class OnBehalf(enum.StrEnum):
    SELF = "self"
    MUNICIPALITY = "municipality"
    REGION = "region"
    BOARD = "board"


class Mark(enum.StrEnum):
    """What the delegate did with an input while consolidating."""

    USED = "verwerkt"
    NOT_USED = "niet overgenomen"
    READ = "gelezen"


class Comment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # Set when a delegate recorded input received by email or phone for the author.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[CommentKind] = mapped_column(str_enum(CommentKind), default=CommentKind.INPUT)
    on_behalf: Mapped[OnBehalf] = mapped_column(str_enum(OnBehalf), default=OnBehalf.SELF)
    # With on_behalf=BOARD: whose board (a delegate may record an organisation's input).
    organisation: Mapped[Organisation | None] = mapped_column(str_enum(Organisation))
    # For input a delegate recorded: how it came in ("per e-mail", "telefonisch").
    received_via: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Consolidation: only delegates see marks; "verwerkt" links the input to the statement.
    mark: Mapped[Mark | None] = mapped_column(str_enum(Mark))
    mark_reason: Mapped[str] = mapped_column(Text, default="")
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[AgendaItem] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])

    __table_args__ = (Index("ix_comment_item_id_created_at", "item_id", "created_at"),)


class CommentEvent(db.Model):
    """Append-only audit log of input: every version, also of withdrawn input."""

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))  # created, edited, withdrawn
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)


class NoInput(db.Model):
    """"Geen inbreng": for one item, or (item_id empty) for the whole meeting."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # One per member per item; one per member per meeting for the whole meeting.
        Index("uq_no_input_user_id_item_id", "user_id", "item_id", unique=True),
        Index("uq_no_input_user_id_meeting_id_whole", "user_id", "meeting_id", unique=True,
              sqlite_where=db.text("item_id IS NULL"),
              postgresql_where=db.text("item_id IS NULL")),
        Index("ix_no_input_meeting_id", "meeting_id"),
    )
