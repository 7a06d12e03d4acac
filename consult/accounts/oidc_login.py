"""Logging in with the organisation account: which providers there are (rows made in
/beheer/organisatie-accounts, or one from CONSULT_OIDC_ variables) and which member an
ID token logs in. The protocol itself is oidc.py."""

from flask import current_app
from sqlalchemy import select

from consult.accounts.models import Organisation, User
from consult.accounts.oidc import OidcRefused, ProviderSettings, verified_email
from consult.accounts.oidc_models import OidcProvider, lines
from consult.extensions import db

ENVIRONMENT_KEY = "omgeving"


def _as_list(value) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(lines(value))
    return tuple(str(part).strip() for part in value if str(part).strip())


def environment_provider() -> ProviderSettings | None:
    """The provider of CONSULT_OIDC_DISCOVERY_URL and CONSULT_OIDC_CLIENT_ID, if set."""
    config = current_app.config
    if not (config["OIDC_DISCOVERY_URL"] and config["OIDC_CLIENT_ID"]):
        return None
    return ProviderSettings(
        key=ENVIRONMENT_KEY, name=config["OIDC_NAME"], discovery_url=config["OIDC_DISCOVERY_URL"],
        client_id=config["OIDC_CLIENT_ID"], client_secret=config["OIDC_CLIENT_SECRET"] or "",
        allowed_issuers=_as_list(config["OIDC_ALLOWED_ISSUERS"]),
        municipalities=_as_list(config["OIDC_MUNICIPALITIES"]),
        allow_self_registration=bool(config["OIDC_SELF_REGISTRATION"]),
        self_registration_organisation=config["OIDC_SELF_REGISTRATION_ORGANISATION"],
    )


def row_settings(row: OidcProvider) -> ProviderSettings:
    return ProviderSettings(
        key=str(row.id), name=row.name, discovery_url=row.discovery_url,
        client_id=row.client_id, client_secret=row.client_secret,
        allowed_issuers=tuple(lines(row.allowed_issuers)),
        municipalities=tuple(lines(row.municipalities)),
        allow_self_registration=row.allow_self_registration,
        self_registration_organisation=(row.self_registration_organisation.value
                                        if row.self_registration_organisation else None),
    )


def login_providers() -> list[ProviderSettings]:
    """Every active organisation login, for the login page's buttons."""
    rows = db.session.scalars(select(OidcProvider).where(OidcProvider.active.is_(True))
                              .order_by(OidcProvider.name, OidcProvider.id)).all()
    found = [row_settings(row) for row in rows]
    environment = environment_provider()
    return [environment, *found] if environment else found


def provider_by_key(key: str) -> ProviderSettings | None:
    if key == ENVIRONMENT_KEY:
        return environment_provider()
    if not key.isdigit() or int(key) > 2**31 - 1:
        return None
    row = db.session.get(OidcProvider, int(key))
    return row_settings(row) if row is not None and row.active else None


def member_for_claims(provider: ProviderSettings, claims: dict) -> User:
    """The active member with the token's verified address, of one of the provider's
    municipalities; a new member only where the admin allowed self-registration."""
    email = verified_email(claims)
    if email is None:
        raise OidcRefused("Uw organisatie heeft uw e-mailadres niet als bevestigd "
                          "doorgegeven, dus we weten niet zeker wie u bent. Log in met een "
                          "inloglink.")
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        return _self_register(provider, email, claims)
    if not user.active:
        raise OidcRefused("Uw account in Consult is niet actief. Neem contact op met de "
                          "beheerder.")
    wanted = {name.casefold() for name in provider.municipalities}
    if wanted and user.municipality.casefold() not in wanted:
        raise OidcRefused(f"Met het account van {provider.name} kunt u als lid van een andere "
                          "gemeente niet inloggen. Log in met een inloglink.")
    return user


def _self_register(provider: ProviderSettings, email: str, claims: dict) -> User:
    if not (provider.allow_self_registration and provider.self_registration_organisation):
        raise OidcRefused(f"Er is geen lid met het e-mailadres {email} in Consult. Vraag de "
                          "beheerder u toe te voegen.")
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    user = User(name=(name.strip() or email)[:200], email=email,
                organisation=Organisation(provider.self_registration_organisation),
                municipality=provider.municipalities[0][:120] if provider.municipalities else "")
    db.session.add(user)
    db.session.flush()
    current_app.logger.info("OIDC: %s registered through %s", email, provider.name)
    return user
