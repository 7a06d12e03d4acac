"""The delegates' forms: a meeting, an agenda item, a reason, importing an agenda."""

import re

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms import Form as PlainForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from consult.accounts.forms import DutchForm
from consult.meetings.agenda_import import ProposedAgenda, ProposedAttachment
from consult.meetings.agenda_review import ReviewItem
from consult.meetings.agenda_review import label as review_label
from consult.meetings.importing import ADD, REPLACE
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
    description = TextAreaField(
        "Toelichting bij de vergadering", validators=[Length(max=20000)],
        description="Staat boven de agenda, bijvoorbeeld wat het secretariaat erbij schreef. "
                    "Opmaak: **vet**, lijstjes met - aan het begin van een regel.")
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
        self.description.data = meeting.description

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


AGENDA, REPORT = "agenda", "verslag"
KIND_CHOICES = [
    SelectChoice(AGENDA, "Agenda van deze vergadering"),
    SelectChoice(REPORT, "Verslag van een gehouden vergadering (met inbreng en bespreking)"),
]
MODE_LABELS = {
    REPLACE: "Vervangen: de punten die er nu staan verdwijnen",
    ADD: "Toevoegen: de nieuwe punten komen na de punten die er al staan",
}


class AgendaSourceForm(DutchForm):
    kind = RadioField("Wat importeert u?", choices=KIND_CHOICES, default=AGENDA,
                      validators=[DataRequired("Kies een agenda of een verslag.")])
    text = TextAreaField("Plak de tekst van de agenda of het verslag",
                         validators=[Length(max=200_000)])
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
    statement = TextAreaField("Inbreng", validators=[Length(max=20000)])
    outcome = TextAreaField("Bespreking", validators=[Length(max=20000)])
    # The line the "split" button starts a new item at (a select the template draws).
    split_at = StringField()

    @property
    def label(self) -> str:
        return review_label(_proposed_item(self))

    def validate(self, extra_validators=None) -> bool:
        # A proposal the delegate left out needs no checks.
        return not self.include.data or super().validate(extra_validators)

    def validate_number(self, field):
        if not (field.data or "").strip():
            raise ValidationError(f"Punt “{(self.title.data or '').strip()[:40]}”: het nummer "
                                  "ontbreekt. Vul een nummer in, of vink dit punt uit.")

    def validate_title(self, field):
        if not (field.data or "").strip():
            raise ValidationError(f"Punt {self.label}: de titel ontbreekt. Vul een titel in, "
                                  "of vink dit punt uit.")


class ImportReviewForm(DutchForm):
    """The proposed items of an imported agenda or report, for the delegate to check and
    correct; the review operations post it whole and get it back changed."""

    kind = HiddenField(default=AGENDA)
    source_hash = HiddenField()
    description = TextAreaField(
        "Tekst boven de agenda", validators=[Length(max=20000)],
        description="Wat vóór het eerste punt stond. Het wordt de toelichting bij de "
                    "vergadering (boven de agenda); er gaat niets verloren.")
    mode = RadioField("Er staan al punten op de agenda. Wat doet de import daarmee?",
                      choices=[], validate_choice=False)
    items = FieldList(FormField(ImportItemForm), min_entries=0, max_entries=200)

    def offer_modes(self, modes: list[str]) -> "ImportReviewForm":
        """The choice between replacing and adding, required when there is one."""
        self.mode.choices = [SelectChoice(mode, MODE_LABELS[mode]) for mode in modes]
        return self

    def validate_mode(self, field):
        if field.choices and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Kies of de nieuwe punten de bestaande vervangen of erbij "
                                  "komen.")

    @classmethod
    def for_agenda(cls, agenda: ProposedAgenda, kind: str = AGENDA, source_hash: str = "",
                   mode: str | None = None) -> "ImportReviewForm":
        form = cls(formdata=None, kind=kind, source_hash=source_hash,
                   description=agenda.preamble, mode=mode)
        for proposed in agenda.items:
            form.items.append_entry({
                "include": getattr(proposed, "include", True),
                "number": proposed.number,
                "sub": proposed.sub,
                "title": proposed.title,
                "explanation": proposed.explanation,
                "presenter": proposed.presenter,
                "purpose": proposed.purpose or "",
                "asks_input": proposed.asks_input,
                "attachments": "\n".join(f"{a.label} {a.title}".strip()
                                         for a in proposed.attachments),
                "statement": proposed.statement,
                "outcome": proposed.outcome,
            })
        return form

    def proposal(self) -> ProposedAgenda:
        """Every item as posted, the left-out ones too: what the review operations change."""
        return ProposedAgenda(items=[_proposed_item(entry.form) for entry in self.items],
                              preamble=(self.description.data or "").strip())

    def split_lines(self) -> dict[int, int]:
        return {index: int(entry.form.split_at.data) for index, entry in enumerate(self.items)
                if re.fullmatch(r"[0-9]{1,6}", entry.form.split_at.data or "")}

    def agenda(self) -> ProposedAgenda:
        """The items the delegate kept, as corrected."""
        proposal = self.proposal()
        return ProposedAgenda(items=[item for item in proposal.items if item.include],
                              preamble=proposal.preamble)


def _proposed_item(data: ImportItemForm) -> ReviewItem:
    attachments = []
    for line in (data.attachments.data or "").splitlines():
        label, _, title = line.strip().partition(" ")
        if label:
            attachments.append(ProposedAttachment(label=label.rstrip(".:").lower(),
                                                  title=title.strip(" -–:")))
    return ReviewItem(
        number=(data.number.data or "").strip(), sub=(data.sub.data or "").strip().upper(),
        title=(data.title.data or "").strip(), explanation=(data.explanation.data or "").strip(),
        purpose=data.purpose.data or None, presenter=(data.presenter.data or "").strip(),
        asks_input=data.asks_input.data, attachments=attachments,
        statement=(data.statement.data or "").strip(), outcome=(data.outcome.data or "").strip(),
        include=bool(data.include.data))
