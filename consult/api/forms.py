"""The form that makes an API token on the account page."""

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from consult.accounts.forms import DutchForm
from consult.api.tokens import EXPIRY_CHOICES


class ApiTokenForm(DutchForm):
    name = StringField("Naam van het token", validators=[
        DataRequired("Geef het token een naam, bijvoorbeeld de website of het script."),
        Length(max=100, message="Hoogstens 100 tekens.")],
        description="Waarvoor u het gebruikt, zodat u het later herkent.")
    body = SelectField("Overleg", coerce=int, validate_choice=True,
                       description="Een token leest de gegevens van één overleg.")
    days = SelectField("Geldig", coerce=int, default=90,
                       choices=[SelectChoice(days, f"{days} dagen") for days in EXPIRY_CHOICES])

    def __init__(self, bodies, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.body.choices = [SelectChoice(body.id, body.name) for body in bodies]
        self.body.validators = [DataRequired("Kies een overleg.")]
