from wtforms import DateField, HiddenField, SelectField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from consult.accounts.forms import DutchForm
from consult.comments.models import Mark


class StatementForm(DutchForm):
    text = TextAreaField(
        "Tekst", render_kw={"rows": 14},
        description="Opmaak: een lege regel voor een nieuwe alinea, **vet**, en lijstjes met "
                    "- of 1. aan het begin van een regel. Wordt tijdens het typen bewaard.")
    base_revision_id = HiddenField()

    @property
    def base(self) -> int | None:
        """The revision the editor started from; anything else than a database id is none."""
        value = self.base_revision_id.data or ""
        return int(value) if value.isdigit() and int(value) < 2**63 else None


MARK_CHOICES = [SelectChoice("", "Nog niet gemarkeerd")] + [
    SelectChoice(mark.value, mark.value.capitalize()) for mark in Mark]


class MarkForm(DutchForm):
    mark = SelectField("Markering", choices=MARK_CHOICES)
    reason = TextAreaField("Reden (optioneel)", render_kw={"rows": 2})


class ReviewForm(DutchForm):
    """Concept ter inzage: until when the contributors can answer."""

    answer_date = DateField("Antwoorden vóór: datum",
                            validators=[DataRequired("Vul een geldige datum in.")])
    answer_time = TimeField("Tijdstip", validators=[DataRequired("Vul een geldige tijd in.")])


class ReviewAnswerForm(DutchForm):
    """The contributor's answer: the button pressed ("akkoord" or "bezwaar") and a note."""

    answer = HiddenField()
    note = TextAreaField("Toelichting (optioneel)", validators=[Length(max=2000)],
                         render_kw={"rows": 4})
