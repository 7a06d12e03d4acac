from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from consult.accounts.forms import DutchForm
from consult.mail.forms import no_line_breaks
from consult.reminders.models import ANCHOR_LABELS, AUDIENCE_LABELS, CONDITION_LABELS

UNITS = {"minutes": 1, "hours": 60, "days": 24 * 60}
UNIT_CHOICES = [SelectChoice("days", "dagen"), SelectChoice("hours", "uur"),
                SelectChoice("minutes", "minuten")]
DIRECTION_CHOICES = [SelectChoice("before", "voor"), SelectChoice("after", "na")]


class RuleForm(DutchForm):
    amount = IntegerField("Hoeveel", validators=[NumberRange(0, 999, "Kies 0 tot 999.")],
                          description="0: precies op het moment zelf.")
    unit = SelectField("Eenheid", choices=UNIT_CHOICES)
    direction = SelectField("Voor of na", choices=DIRECTION_CHOICES)
    anchor = SelectField("Moment", choices=[SelectChoice(a.value, label.capitalize())
                                            for a, label in ANCHOR_LABELS.items()])
    audience = SelectField("Aan wie", choices=[SelectChoice(a.value, label.capitalize())
                                               for a, label in AUDIENCE_LABELS.items()],
                           description="Wie precies, wordt bepaald op het moment van versturen.")
    condition = SelectField("Wanneer", choices=[SelectChoice(c.value, label.capitalize())
                                                for c, label in CONDITION_LABELS.items()])
    subject = StringField(
        "Onderwerp", validators=[DataRequired("Vul een onderwerp in."), Length(max=300),
                                no_line_breaks],
        description="{vergadering}, {overleg} en {deadline} worden ingevuld.")
    message = TextAreaField("Bericht", validators=[Length(max=5000)],
                            description="Staat bovenaan de e-mail. Agendapunten, deadline en "
                                        "links komen er vanzelf bij.")
    active = BooleanField("Actief")

    def offset_minutes(self) -> int:
        minutes = self.amount.data * UNITS[self.unit.data]
        return -minutes if self.direction.data == "before" else minutes

    def set_offset(self, offset_minutes: int) -> None:
        minutes = abs(offset_minutes)
        unit = next((name for name in ("days", "hours") if minutes % UNITS[name] == 0
                     and minutes), "minutes")
        self.amount.data = minutes // UNITS[unit]
        self.unit.data = unit
        self.direction.data = "before" if offset_minutes < 0 else "after"
