from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from consult.accounts.models import ROLE_LABELS, Organisation


def stripped(value):
    """Text fields give "" when absent (not None) and lose surrounding white space."""
    return (value or "").strip() if value is None or isinstance(value, str) else value


class DutchForm(FlaskForm):
    class Meta:
        locales = ["nl"]

        def bind_field(self, form, unbound_field, options):
            # Every text field is stripped; passwords are taken exactly as typed.
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                options["filters"] = [*unbound_field.kwargs.get("filters", ()), stripped]
            return unbound_field.bind(form=form, **options)


class LoginLinkForm(DutchForm):
    email = EmailField(
        "E-mailadres",
        validators=[DataRequired("Vul uw e-mailadres in."),
                    Email("Dit is geen geldig e-mailadres."), Length(max=254)],
    )
    next = HiddenField()


class PasswordLoginForm(DutchForm):
    email = EmailField(
        "E-mailadres",
        validators=[DataRequired("Vul uw e-mailadres in."), Length(max=254)],
    )
    password = PasswordField(
        "Wachtwoord", validators=[DataRequired("Vul uw wachtwoord in."), Length(max=1000)]
    )
    next = HiddenField()


class AddressForm(DutchForm):
    email = EmailField(
        "Extra e-mailadres",
        validators=[DataRequired("Vul een e-mailadres in."),
                    Email("Dit is geen geldig e-mailadres."), Length(max=254)],
        description="U krijgt op dat adres een link om te bevestigen dat het van u is.",
    )


class CurrentPasswordForm(DutchForm):
    """Who is there: the current password (when one is set) before it changes."""

    current_password = PasswordField("Huidig wachtwoord", validators=[Length(max=1000)])


class SetPasswordForm(CurrentPasswordForm):
    password = PasswordField(
        "Nieuw wachtwoord",
        validators=[DataRequired("Kies een wachtwoord."), Length(max=1000)],
        description="Minstens 10 tekens. Een zin van een paar woorden is sterk en goed te onthouden.",
    )
    password_confirm = PasswordField(
        "Herhaal het wachtwoord",
        validators=[EqualTo("password", "De twee wachtwoorden zijn niet gelijk.")],
    )

    def __init__(self, *args, min_length: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_length = min_length

    def validate_password(self, field):
        if len(field.data or "") < self.min_length:
            raise ValidationError(f"Het wachtwoord moet minstens {self.min_length} tekens hebben.")


ORGANISATION_CHOICES = [SelectChoice(o.value) for o in Organisation]
ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class MemberForm(DutchForm):
    name = StringField("Naam", validators=[DataRequired("Vul de naam in."), Length(max=200)])
    email = EmailField(
        "E-mailadres",
        validators=[DataRequired("Vul het e-mailadres in."),
                    Email("Dit is geen geldig e-mailadres."), Length(max=254)],
    )
    organisation = SelectField("Organisatie", choices=ORGANISATION_CHOICES)
    municipality = StringField("Gemeente", validators=[Optional(), Length(max=120)])
    region_id = SelectField("Regio", coerce=int)
    role = SelectField("Rol", choices=ROLE_CHOICES)
    chairs_region_id = SelectField(
        "Regiovoorzitter van", coerce=int,
        description="Alleen invullen als dit lid een regio voorzit.",
    )

    def set_region_choices(self, regions) -> None:
        choices = [SelectChoice(0, "— geen —")] + [
            SelectChoice(region.id, region.name) for region in regions
        ]
        self.region_id.choices = choices
        self.chairs_region_id.choices = choices


class MemberImportForm(DutchForm):
    file = FileField(
        "CSV-bestand",
        validators=[FileRequired("Kies een CSV-bestand.")],
        description="Kolommen: name, email, organisation, region, municipality, role.",
    )


class MemberImportConfirmForm(DutchForm):
    csv_text = TextAreaField(validators=[DataRequired()])
