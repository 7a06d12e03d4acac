"""The body form of the admins."""

from datetime import time

from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from consult.accounts.forms import DutchForm
from consult.accounts.models import Organisation, Region, User
from consult.mail.forms import no_line_breaks
from consult.meetings.models import FREQUENCY_LABELS, Body


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BodyForm(DutchForm):
    name = StringField("Naam", validators=[DataRequired("Vul de naam in."), Length(max=200),
                                        no_line_breaks])
    short_name = StringField("Korte naam", validators=[DataRequired("Vul een korte naam in."),
                                                       Length(max=40), no_line_breaks])
    frequency = SelectField("Vergadert", choices=[SelectChoice(f.value, label)
                                                  for f, label in FREQUENCY_LABELS.items()])
    statement_label = StringField(
        "Titel van de gezamenlijke inbreng", validators=[DataRequired(), Length(max=120), no_line_breaks],
        description='Bijvoorbeeld "Inbreng VIAG/IMG+CIO".')
    outcome_label = StringField(
        "Titel van de uitkomst", validators=[DataRequired(), Length(max=120), no_line_breaks],
        description='Bijvoorbeeld "Bespreking TF".')
    secretariat_email = EmailField(
        "E-mailadres van het secretariaat",
        validators=[Optional(), Email("Dit is geen geldig e-mailadres."), Length(max=254)])
    deadline_working_days = IntegerField(
        "Deadline voor inbreng: aantal werkdagen vóór de vergadering",
        validators=[NumberRange(0, 20, "Kies 0 tot 20 werkdagen.")])
    deadline_time = TimeField("Deadline: tijdstip", validators=[DataRequired("Vul een tijd in.")])
    members_see_each_other = BooleanField("Leden zien elkaars inbreng")
    keep_former_member_input = BooleanField(
        "Inbreng van oud-leden bewaren",
        description='Bij het anonimiseren van een oud-lid blijft de inbreng staan als '
                    '"oud-lid, <organisatie>". Uit: de inbreng wordt dan verwijderd.')
    organisations = MultiCheckboxField(
        "Wie wordt om inbreng gevraagd", choices=[SelectChoice(o.value) for o in Organisation],
        validators=[DataRequired("Kies minstens één organisatie.")])
    regions = MultiCheckboxField("Alleen uit deze regio's", coerce=int,
                                 description="Niets aangevinkt: alle regio's.")
    delegates = MultiCheckboxField("Gedelegeerden", coerce=int)

    def set_choices(self, regions: list[Region], candidates: list[User]) -> None:
        self.regions.choices = [(region.id, region.name) for region in regions]
        self.delegates.choices = [
            (user.id, f"{user.name} ({user.municipality or user.organisation.value})")
            for user in candidates]

    def fill(self, body: Body | None) -> None:
        """What the form shows first: the body, or the usual settings of a new one."""
        if body is None:
            self.statement_label.data = "Inbreng VIAG/IMG+CIO"
            self.outcome_label.data = "Bespreking TF"
            self.deadline_working_days.data = 3
            self.deadline_time.data = time(17, 0)
            self.members_see_each_other.data = True
            self.keep_former_member_input.data = True
            self.organisations.data = [o.value for o in Organisation]
        else:
            self.frequency.data = body.frequency.value
            self.organisations.data = [o.value for o in body.organisations]
            self.regions.data = [region.id for region in body.regions]
            self.delegates.data = [user.id for user in body.delegates]

    def fields(self) -> dict:
        """The body's fields, for create_body and update_body."""
        return {
            "name": self.name.data.strip(),
            "short_name": self.short_name.data.strip(),
            "frequency": self.frequency.data,
            "statement_label": self.statement_label.data.strip(),
            "outcome_label": self.outcome_label.data.strip(),
            "secretariat_email": (self.secretariat_email.data or "").strip().lower(),
            "deadline_working_days": self.deadline_working_days.data,
            "deadline_time": self.deadline_time.data,
            "members_see_each_other": self.members_see_each_other.data,
            "keep_former_member_input": self.keep_former_member_input.data,
            "organisations": self.organisations.data,
            "region_ids": self.regions.data,
            "delegate_ids": self.delegates.data,
        }
