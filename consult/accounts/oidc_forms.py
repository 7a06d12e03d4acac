"""The admin's form for an organisation login (OpenID Connect provider)."""

from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from consult.accounts.forms import DutchForm
from consult.accounts.models import Organisation
from consult.accounts.oidc import TENANT_ID
from consult.accounts.oidc_models import lines


def https_url(value: str) -> bool:
    # http only for a provider on this machine (a test or a development Keycloak).
    from authlib.common.security import is_secure_transport

    return value.startswith(("https://", "http://")) and is_secure_transport(value)


class OidcProviderForm(DutchForm):
    name = StringField("Naam", validators=[DataRequired("Vul een naam in."), Length(max=120)],
                       description="Staat op de inlogknop, bijvoorbeeld ‘Gemeente Zeist’.")
    discovery_url = StringField(
        "Issuer-URL", validators=[DataRequired("Vul de issuer-URL in."), Length(max=500)],
        description="Bijvoorbeeld https://login.microsoftonline.com/organizations/v2.0 (Entra ID) "
                    "of https://sso.example.org/realms/gemeente (Keycloak).")
    client_id = StringField("Client-ID",
                            validators=[DataRequired("Vul de client-ID in."), Length(max=255)])
    # Write-only: the stored secret is never put back into the page.
    client_secret = PasswordField(
        "Clientgeheim", validators=[Optional(), Length(max=500)],
        description="Wordt niet getoond. Laat leeg om het opgeslagen geheim te houden.")
    allowed_issuers = TextAreaField(
        "Toegestane issuers of tenant-ID's", validators=[Optional(), Length(max=10_000)],
        description="Eén per regel: een issuer-URL, of de tenant-ID van Entra ID. Leeg: alleen "
                    "de issuer van de issuer-URL.")
    municipalities = TextAreaField(
        "Voor leden van de gemeenten", validators=[Optional(), Length(max=10_000)],
        description="Eén per regel, zoals bij het lid ingevuld. Leeg: leden van elke gemeente.")
    allow_self_registration = BooleanField("Onbekende medewerkers mogen zichzelf aanmelden")
    self_registration_organisation = SelectField(
        "Organisatie van wie zich aanmeldt",
        choices=[SelectChoice("", "— geen —")] + [SelectChoice(o.value) for o in Organisation])
    active = BooleanField("Actief (knop op de inlogpagina)", default=True)

    def __init__(self, *args, secret_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.secret_required = secret_required  # a new provider has no stored secret yet

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() would stop it on an empty field.
        if self.secret_required and not self.client_secret.data:
            self.client_secret.errors = [*self.client_secret.errors, "Vul het clientgeheim in."]
            return False
        return valid

    def validate_discovery_url(self, field):
        if not https_url(field.data):
            raise ValidationError("Gebruik een https-adres.")

    def validate_allowed_issuers(self, field):
        for entry in lines(field.data or ""):
            if not (TENANT_ID.match(entry) or https_url(entry)):
                raise ValidationError(f"‘{entry[:80]}’ is geen https-adres en geen tenant-ID.")

    def validate_self_registration_organisation(self, field):
        if self.allow_self_registration.data and not field.data:
            raise ValidationError("Kies de organisatie waarvan wie zich aanmeldt lid wordt.")

    def fields(self) -> dict:
        data = {
            "name": self.name.data, "discovery_url": self.discovery_url.data,
            "client_id": self.client_id.data,
            "allowed_issuers": "\n".join(lines(self.allowed_issuers.data or "")),
            "municipalities": "\n".join(lines(self.municipalities.data or "")),
            "allow_self_registration": bool(self.allow_self_registration.data),
            "self_registration_organisation": (
                Organisation(self.self_registration_organisation.data)
                if self.self_registration_organisation.data else None),
            "active": bool(self.active.data),
        }
        if self.client_secret.data:
            data["client_secret"] = self.client_secret.data
        return data
