"""The delegates' forms: a meeting, an agenda item, a reason, importing an agenda."""

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms import Form as PlainForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from consult.accounts.forms import DutchForm
from consult.meetings.agenda_import import ProposedAgenda, ProposedAttachment, ProposedItem
from consult.meetings.models import PURPOSE_LABELS, Meeting
from consult.pages import local_time

PURPOSE_CHOICES = [SelectChoice("", "— geen —")] + [
    SelectChoice(purpose.value, label) for purpose, label in PURPOSE_LABELS.items()
]


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

    def fill(self, meeting: Meeting) -> None:
        """Show the meeting's times in local time, and its place."""
        start, end = local_time(meeting.starts_at), local_time(meeting.ends_at)
        deadline = local_time(meeting.input_deadline)
        self.body_id.data = meeting.body_id
        self.date.data, self.start_time.data, self.end_time.data = (
            start.date(), start.time(), end.time())
        self.deadline_date.data, self.deadline_time.data = deadline.date(), deadline.time()
        self.location.data, self.online.data = meeting.location, meeting.online

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
    """The proposed items of an imported agenda, for the delegate to check and correct."""

    items = FieldList(FormField(ImportItemForm), min_entries=0, max_entries=200)

    @classmethod
    def for_agenda(cls, agenda: ProposedAgenda) -> "ImportReviewForm":
        form = cls(formdata=None)
        for proposed in agenda.items:
            form.items.append_entry({
                "include": True,
                "number": proposed.number,
                "sub": proposed.sub,
                "title": proposed.title,
                "explanation": proposed.explanation,
                "presenter": proposed.presenter,
                "purpose": proposed.purpose or "",
                "asks_input": proposed.asks_input,
                "attachments": "\n".join(f"{a.label} {a.title}".strip()
                                         for a in proposed.attachments),
            })
        return form

    def agenda(self) -> ProposedAgenda:
        """The items the delegate kept, as corrected."""
        return ProposedAgenda(items=[_proposed_item(entry.form) for entry in self.items
                                     if entry.form.include.data], preamble="")


def _proposed_item(data: ImportItemForm) -> ProposedItem:
    attachments = []
    for line in (data.attachments.data or "").splitlines():
        label, _, title = line.strip().partition(" ")
        if label:
            attachments.append(ProposedAttachment(label=label.rstrip(".:").lower(),
                                                  title=title.strip(" -–:")))
    return ProposedItem(
        number=data.number.data.strip(), sub=(data.sub.data or "").strip().upper(),
        title=data.title.data.strip(), explanation=(data.explanation.data or "").strip(),
        purpose=data.purpose.data or None, presenter=(data.presenter.data or "").strip(),
        asks_input=data.asks_input.data, attachments=attachments)
