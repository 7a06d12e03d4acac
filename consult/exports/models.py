"""Export jobs: the request writes the row, the scheduler's tick claims and makes it;
the page polls its progress."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.database import UTCDateTime, utcnow
from consult.extensions import db
from consult.meetings.models import Meeting, str_enum


class ExportFormat(enum.StrEnum):
    DOCX = "docx"
    PDF = "pdf"
    MARKDOWN = "md"
    CSV = "csv"


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    format: Mapped[ExportFormat] = mapped_column(str_enum(ExportFormat, 10))
    with_appendix: Mapped[bool] = mapped_column(default=False)
    with_names: Mapped[bool] = mapped_column(default=True)
    status: Mapped[ExportStatus] = mapped_column(str_enum(ExportStatus),
                                                 default=ExportStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)  # percent
    stored_name: Mapped[str | None] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    # Not None: the result also goes to the secretariat, with this cover note.
    send_note: Mapped[str | None] = mapped_column(Text)
    # The claim (real time, renewed while the file is made) and how often it was claimed.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User] = relationship()
