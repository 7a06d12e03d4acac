"""Bodies (gremia), their meetings, agenda items and attachments (bijlagen)."""

import enum
from datetime import datetime, time

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import Organisation, Region, User
from consult.database import UTCDateTime, utcnow
from consult.extensions import db


def str_enum(enum_class: type[enum.Enum], length: int = 20):
    """Enums stored as their value in a plain string column (portable, easy to extend)."""
    return db.Enum(enum_class, native_enum=False, length=length,
                   values_callable=lambda e: [m.value for m in e])


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    IRREGULAR = "irregular"


FREQUENCY_LABELS = {
    Frequency.MONTHLY: "maandelijks",
    Frequency.QUARTERLY: "per kwartaal",
    Frequency.IRREGULAR: "onregelmatig",
}

body_delegate = Table(
    "body_delegate",
    db.metadata,
    Column("body_id", ForeignKey("body.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)

body_region = Table(
    "body_region",
    db.metadata,
    Column("body_id", ForeignKey("body.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("region.id", ondelete="CASCADE"), primary_key=True),
)


class BodyOrganisation(db.Model):
    """An organisation whose members a body asks for input."""

    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"),
                                         primary_key=True)
    organisation: Mapped[Organisation] = mapped_column(str_enum(Organisation), primary_key=True)


class Body(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency), default=Frequency.MONTHLY)
    statement_label: Mapped[str] = mapped_column(String(120), default="Inbreng VIAG/IMG+CIO")
    outcome_label: Mapped[str] = mapped_column(String(120), default="Bespreking TF")
    secretariat_email: Mapped[str] = mapped_column(String(254), default="")
    # Default input deadline: this many working days before the meeting, at this local time.
    deadline_working_days: Mapped[int] = mapped_column(default=3)
    deadline_time: Mapped[time] = mapped_column(Time, default=time(17, 0))
    members_see_each_other: Mapped[bool] = mapped_column(default=True)
    # Retention (AVG): when a former member is anonymised, their input on this body's
    # meetings stays as "oud-lid, <organisatie>" (True) or is removed (False).
    keep_former_member_input: Mapped[bool] = mapped_column(default=True, server_default=db.true())

    delegates: Mapped[list[User]] = relationship(secondary=body_delegate, order_by=User.name)
    # Constituency: members of these organisations, in these regions (no regions: all).
    organisation_rows: Mapped[list[BodyOrganisation]] = relationship(
        cascade="all, delete-orphan", order_by=BodyOrganisation.organisation
    )
    regions: Mapped[list[Region]] = relationship(secondary=body_region, order_by=Region.name)

    @property
    def frequency_label(self) -> str:
        return FREQUENCY_LABELS[self.frequency]

    @property
    def organisations(self) -> list[Organisation]:
        return [row.organisation for row in self.organisation_rows]

    @organisations.setter
    def organisations(self, values: list[Organisation]) -> None:
        wanted = set(values)
        self.organisation_rows = [r for r in self.organisation_rows if r.organisation in wanted]
        present = {r.organisation for r in self.organisation_rows}
        for organisation in Organisation:
            if organisation in wanted and organisation not in present:
                self.organisation_rows.append(BodyOrganisation(organisation=organisation))

    def __str__(self) -> str:
        return self.name


class Meeting(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(300), default="")
    online: Mapped[bool] = mapped_column(default=False)
    input_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # What the secretariat wrote above the agenda (an import keeps it here), or the
    # delegate's own introduction: shown on the meeting page.
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    outcomes_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[Body] = relationship()
    items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    changes: Mapped[list["MeetingChange"]] = relationship(
        back_populates="meeting", order_by="MeetingChange.id", cascade="all, delete-orphan"
    )


class MeetingChange(db.Model):
    """Audit log of a meeting: publish, reschedule, cancel; who and when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    field: Mapped[str] = mapped_column(String(40), default="")
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="changes")
    user: Mapped[User | None] = relationship()


class Purpose(enum.StrEnum):
    INFORMATIE = "informatie"
    BESPREKING = "bespreking"
    ADVISERING = "advisering"
    BESLUITVORMING = "besluitvorming"


PURPOSE_LABELS = {
    Purpose.INFORMATIE: "Ter informatie",
    Purpose.BESPREKING: "Ter bespreking",
    Purpose.ADVISERING: "Ter advisering",
    Purpose.BESLUITVORMING: "Ter besluitvorming",
}


class AgendaItem(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(default=0)
    number: Mapped[str] = mapped_column(String(10), default="")
    sub: Mapped[str] = mapped_column(String(10), default="")
    title: Mapped[str] = mapped_column(String(300))
    explanation: Mapped[str] = mapped_column(Text, default="")
    presenter: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[Purpose | None] = mapped_column(str_enum(Purpose))
    asks_input: Mapped[bool] = mapped_column(default=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="item", order_by="Attachment.label", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        """"3A", "6.1" or "4": the number as the agenda shows it."""
        if not self.sub:
            return self.number
        return f"{self.number}.{self.sub}" if self.sub.isdigit() else f"{self.number}{self.sub}"

    @property
    def purpose_label(self) -> str:
        return PURPOSE_LABELS[self.purpose] if self.purpose else ""

    @property
    def open_for_input(self) -> bool:
        return self.asks_input and self.withdrawn_at is None


class Attachment(db.Model):
    """A document of an item. Without a stored file it is a placeholder: named in an
    imported agenda, "nog te uploaden"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"),
                                         index=True)
    label: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    confidential: Mapped[bool] = mapped_column(default=False)
    filename: Mapped[str] = mapped_column(String(255), default="")
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120), default="")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[AgendaItem] = relationship(back_populates="attachments")

    @property
    def uploaded(self) -> bool:
        return self.stored_name is not None


Index("ix_meeting_body_id_starts_at", Meeting.body_id, Meeting.starts_at)
