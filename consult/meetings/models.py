"""Bodies (gremia): the meeting series members give input to."""

import enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    IRREGULAR = "irregular"


FREQUENCY_LABELS = {
    Frequency.MONTHLY: "maandelijks",
    Frequency.QUARTERLY: "per kwartaal",
    Frequency.IRREGULAR: "onregelmatig",
}


class Body(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[Frequency] = mapped_column(
        db.Enum(Frequency, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e]),
        default=Frequency.MONTHLY,
    )

    @property
    def frequency_label(self) -> str:
        return FREQUENCY_LABELS[self.frequency]
