from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms import Form as PlainForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from consult.accounts.forms import DutchForm
from consult.accounts.models import Organisation
from consult.meetings.models import FREQUENCY_LABELS, PURPOSE_LABELS

PURPOSE_CHOICES = [SelectChoice("", "— geen —")] + [
    SelectChoice(purpose.value, label) for purpose, label in PURPOSE_LABELS.items()
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BodyForm(DutchForm):
    name = StringField("Naam", validators=[DataRequired("Vul de naam in."), Length(max=200)])
    short_name = StringField("Korte naam", validators=[DataRequired("Vul een korte naam in."),
                                                       Length(max=40)])
    frequency = SelectField("Vergadert", choices=[SelectChoice(f.value, label)
                                                  for f, label in FREQUENCY_LABELS.items()])
    statement_label = StringField(
        "Titel van de gezamenlijke inbreng", validators=[DataRequired(), Length(max=120)],
        description='Bijvoorbeeld "Inbreng VIAG/IMG+CIO".')
    outcome_label = StringField(
        "Titel van de uitkomst", validators=[DataRequired(), Length(max=120)],
        description='Bijvoorbeeld "Bespreking TF".')
    secretariat_email = EmailField(
        "E-mailadres van het secretariaat",
        validators=[Optional(), Email("Dit is geen geldig e-mailadres."), Length(max=254)])
    deadline_working_days = IntegerField(
        "Deadline voor inbreng: aantal werkdagen vóór de vergadering",
        validators=[NumberRange(0, 20, "Kies 0 tot 20 werkdagen.")])
    deadline_time = TimeField("Deadline: tijdstip", validators=[DataRequired("Vul een tijd in.")])
    members_see_each_other = BooleanField("Leden zien elkaars inbreng")
    organisations = MultiCheckboxField(
        "Wie wordt om inbreng gevraagd", choices=[SelectChoice(o.value) for o in Organisation],
        validators=[DataRequired("Kies minstens één organisatie.")])
    regions = MultiCheckboxField("Alleen uit deze regio's", coerce=int,
                                 description="Niets aangevinkt: alle regio's.")
    delegates = MultiCheckboxField("Gedelegeerden", coerce=int)


class MeetingForm(DutchForm):
    body_id = SelectField("Overleg", coerce=int)
    date = DateField("Datum", validators=[DataRequired("Vul een geldige datum in.")])
    start_time = TimeField("Begintijd", validators=[DataRequired("Vul een geldige tijd in.")])
    end_time = TimeField("Eindtijd", validators=[DataRequired("Vul een geldige tijd in.")])
    location = StringField("Locatie", validators=[Length(max=300)])
    online = BooleanField("Ook (of alleen) online")
    deadline_date = DateField(
        "Deadline voor inbreng: datum", validators=[Optional()],
        description="Leeg laten: de standaardregel van het overleg bepaalt de deadline.")
    deadline_time = TimeField("Deadline: tijdstip", validators=[Optional()])
    note = TextAreaField("Toelichting bij de wijziging", validators=[Length(max=2000)],
                         description="Komt in het logboek van deze vergadering.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() ends the field's own checks when it is empty, so check the pair here.
        if bool(self.deadline_date.data) != bool(self.deadline_time.data):
            self.deadline_time.errors = [
                *self.deadline_time.errors, "Vul bij de deadline zowel een datum als een tijd in."]
            return False
        return valid


class ReasonForm(DutchForm):
    reason = TextAreaField("Reden", validators=[DataRequired("Vul een reden in."),
                                                Length(max=2000)])


class ItemForm(DutchForm):
    number = StringField("Nummer", validators=[DataRequired("Vul een nummer in."), Length(max=10)])
    sub = StringField("Subpunt", validators=[Optional(), Length(max=10)],
                      description='Bijvoorbeeld "A" voor 3A of "1" voor 6.1.')
    title = StringField("Titel", validators=[DataRequired("Vul een titel in."), Length(max=300)])
    explanation = TextAreaField(
        "Toelichting", validators=[Length(max=20000)],
        description="Opmaak: **vet**, *cursief*, lijstjes met - aan het begin van een regel.")
    presenter = StringField("Toelichting door", validators=[Length(max=200)])
    purpose = SelectField("Doel", choices=PURPOSE_CHOICES)
    asks_input = BooleanField("Leden kunnen inbreng geven op dit punt")


class AgendaSourceForm(DutchForm):
    text = TextAreaField("Plak de tekst van de agenda", validators=[Length(max=200_000)])
    file = FileField("Of kies een Word-bestand (.docx)")


class ImportItemForm(PlainForm):
    """One proposed item in the review step (a subform: its CSRF is the parent's)."""

    include = BooleanField("Opnemen", default=True)
    number = StringField("Nummer", validators=[Length(max=10)])
    sub = StringField("Subpunt", validators=[Length(max=10)])
    title = StringField("Titel", validators=[Length(max=300)])
    explanation = TextAreaField("Toelichting", validators=[Length(max=20000)])
    presenter = StringField("Toelichting door", validators=[Length(max=200)])
    purpose = SelectField("Doel", choices=PURPOSE_CHOICES)
    asks_input = BooleanField("Vraagt inbreng")
    attachments = TextAreaField("Bijlagen", validators=[Length(max=5000)],
                                description='Eén per regel: "3a Titel".')

    def validate(self, extra_validators=None) -> bool:
        # A proposal the delegate left out needs no checks.
        return not self.include.data or super().validate(extra_validators)

    def validate_title(self, field):
        if not (field.data or "").strip():
            raise ValidationError("Vul een titel in, of vink dit punt uit.")


class ImportReviewForm(DutchForm):
    items = FieldList(FormField(ImportItemForm), min_entries=0, max_entries=200)
