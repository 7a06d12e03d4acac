"""The export form and the form that sends the inbreng to the secretariat."""

from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from consult.accounts.forms import DutchForm
from consult.exports.models import ExportFormat
from consult.exports.services import FORMAT_LABELS

CHOOSE_FORMAT = "Kies een bestandsformaat."


class ExportForm(DutchForm):
    format = RadioField(
        "Bestandsformaat",
        choices=[SelectChoice(f.value, label) for f, label in FORMAT_LABELS.items()],
        default=ExportFormat.DOCX.value,
        validators=[InputRequired(CHOOSE_FORMAT)],
    )
    with_appendix = BooleanField(
        "Met bijlage: alle inbreng per agendapunt",
        description="Niet bij CSV: dat bestand bevat altijd alle inbreng.")
    with_names = BooleanField(
        "Met namen", default=True,
        description="Naam, gemeente en organisatie bij de inbreng (bijlage en CSV). "
                    "Zonder namen blijft alleen de inbreng zelf over.")

    def first_error(self) -> str:
        """One message for the status region; a wrong format always reads the same."""
        if self.format.errors:
            return CHOOSE_FORMAT
        return next(iter(self.errors.values()))[0]


class SecretariatForm(DutchForm):
    note = TextAreaField(
        "Extra tekst (niet verplicht)",
        validators=[Length(max=1000, message="Hoogstens 1000 tekens.")],
        description="Komt in de begeleidende e-mail, bijvoorbeeld dat u de vergadering "
                    "niet kunt bijwonen.")

    def first_error(self) -> str:
        return next(iter(self.errors.values()))[0]
