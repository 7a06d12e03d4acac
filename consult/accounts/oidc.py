"""OpenID Connect, the protocol side: discovery, the authorization code flow with PKCE
(Authlib's OAuth2Session), and the ID token checked against the provider's JWKS
(joserfc, Authlib's JOSE library). Who may log in is oidc_login.py.

Every way this can go wrong ends in OidcRefused with a Dutch sentence for the member.
"""

import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from authlib.integrations.requests_client import OAuth2Session

# Only asymmetric signatures: "none" and HS256 (keyed with the client secret) never.
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                      "ES512", "EdDSA"]
ENTRA_ISSUER = "https://login.microsoftonline.com/{tid}/v2.0"
TENANT_ID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
CACHE_SECONDS = 600

TRY_AGAIN = "Probeer het opnieuw, of log in met een inloglink."
UNREACHABLE = ("Uw organisatie-account is nu niet bereikbaar. Probeer het later opnieuw, of "
               "log in met een inloglink.")


class OidcRefused(Exception):
    """The login is refused; `message` says why, in Dutch, for the member."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ProviderSettings:
    """One organisation login, from a database row or from the CONSULT_OIDC_ variables."""

    key: str  # in URLs and the session: the row's id, or "omgeving"
    name: str
    discovery_url: str
    client_id: str
    client_secret: str
    allowed_issuers: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    allow_self_registration: bool = False
    self_registration_organisation: str | None = None


def discovery_document_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if url.endswith("/.well-known/openid-configuration"):
        return url
    return f"{url}/.well-known/openid-configuration"


_cache: dict[str, tuple[float, dict]] = {}
_cache_lock = threading.Lock()


def _get_json(url: str, refresh: bool = False) -> dict:
    """A provider's document, kept for ten minutes (discovery and keys change rarely)."""
    with _cache_lock:
        cached = _cache.get(url)
    if cached and not refresh and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    # Authlib, joserfc and requests (with cryptography some 18 MB per worker) load with
    # the first login with an organisation account, not in every worker.
    import requests
    from authlib.common.security import is_secure_transport

    if not is_secure_transport(url):
        raise OidcRefused("Dit organisatie-account is niet veilig ingesteld (geen https).", 502)
    try:
        response = requests.get(url, timeout=current_app.config["OIDC_HTTP_TIMEOUT"])
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        current_app.logger.warning("OIDC: %s not fetched: %s", url, error)
        raise OidcRefused(UNREACHABLE, 502) from error
    if not isinstance(document, dict):
        raise OidcRefused(UNREACHABLE, 502)
    with _cache_lock:
        _cache[url] = (time.monotonic(), document)
    return document


def metadata(provider: ProviderSettings) -> dict:
    document = _get_json(discovery_document_url(provider.discovery_url))
    for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(name), str):
            raise OidcRefused(UNREACHABLE, 502)
    return document


def _client(provider: ProviderSettings, redirect_uri: str) -> "OAuth2Session":
    from authlib.integrations.requests_client import OAuth2Session

    return OAuth2Session(provider.client_id, provider.client_secret or None,
                         scope="openid email profile", redirect_uri=redirect_uri,
                         code_challenge_method="S256")


def authorization_url(provider: ProviderSettings, redirect_uri: str) -> tuple[str, dict]:
    """Where to send the browser, and what the session keeps until it comes back: state,
    nonce and the PKCE verifier, each random and single-use."""
    from authlib.common.security import generate_token

    document = metadata(provider)
    flow = {"provider": provider.key, "state": secrets.token_urlsafe(32),
            "nonce": secrets.token_urlsafe(32), "verifier": generate_token(64),
            "started": int(time.time())}
    url, _state = _client(provider, redirect_uri).create_authorization_url(
        document["authorization_endpoint"], state=flow["state"], nonce=flow["nonce"],
        code_verifier=flow["verifier"])
    return url, flow


def check_flow(flow: dict | None, provider_key: str | None, state: str | None) -> None:
    """The answer belongs to the login this browser started, and not too long ago."""
    if not flow or not state or not secrets.compare_digest(str(flow.get("state", "")), state):
        raise OidcRefused("Deze inlogpoging is onbekend of al afgerond. " + TRY_AGAIN, 400)
    if provider_key is not None and flow.get("provider") != provider_key:
        raise OidcRefused("Deze inlogpoging is onbekend of al afgerond. " + TRY_AGAIN, 400)
    minutes = current_app.config["OIDC_STATE_MINUTES"]
    if time.time() - flow.get("started", 0) > minutes * 60:
        raise OidcRefused(f"Het inloggen duurde langer dan {minutes} minuten en is daarom "
                          "afgebroken. " + TRY_AGAIN, 400)


def exchange_code(provider: ProviderSettings, flow: dict, code: str, redirect_uri: str,
                  response_issuer: str | None = None) -> dict:
    """The code for tokens (with the PKCE verifier); the ID token's claims, checked.
    `response_issuer`: the answer's `iss` (RFC 9207), which a provider that sends it must
    send as its own, so a code from another provider is never sent to this one."""
    import requests

    document = metadata(provider)
    templated = "{" in document["issuer"]  # Entra's multi-tenant "{tenantid}": the token says
    if not templated and (response_issuer is not None or document.get(
            "authorization_response_iss_parameter_supported")) and (
            response_issuer != document["issuer"]):
        raise OidcRefused("Het antwoord komt niet van de organisatie waar u inlogde. "
                          + TRY_AGAIN, 400)
    try:
        token = _client(provider, redirect_uri).fetch_token(
            document["token_endpoint"], grant_type="authorization_code", code=code,
            code_verifier=flow["verifier"], timeout=current_app.config["OIDC_HTTP_TIMEOUT"])
    except requests.RequestException as error:
        current_app.logger.warning("OIDC: token endpoint of %s: %s", provider.name, error)
        raise OidcRefused(UNREACHABLE, 502) from error
    except Exception as error:  # noqa: BLE001 - Authlib's OAuthError: the provider said no
        current_app.logger.info("OIDC: code refused by %s: %s", provider.name, error)
        raise OidcRefused("Uw organisatie heeft deze inlogpoging geweigerd: de code is al "
                          "gebruikt of verlopen. " + TRY_AGAIN, 400) from error
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise OidcRefused("Uw organisatie stuurde geen geldig ID-token. " + TRY_AGAIN, 502)
    return verified_claims(provider, document, id_token, flow["nonce"])


def _decode(document: dict, id_token: str):
    from joserfc import jwt
    from joserfc.errors import InvalidKeyIdError
    from joserfc.jwk import KeySet

    allowed = [alg for alg in document.get("id_token_signing_alg_values_supported",
                                           ["RS256"]) if alg in SIGNING_ALGORITHMS]
    keys = KeySet.import_key_set(_get_json(document["jwks_uri"]))
    try:
        return jwt.decode(id_token, keys, algorithms=allowed or ["RS256"])
    except InvalidKeyIdError:
        # A key we do not know yet: the provider rotated its keys. Fetch them once more.
        keys = KeySet.import_key_set(_get_json(document["jwks_uri"], refresh=True))
        return jwt.decode(id_token, keys, algorithms=allowed or ["RS256"])


def verified_claims(provider: ProviderSettings, document: dict, id_token: str,
                    nonce: str) -> dict:
    """Signature (JWKS), audience, expiry, nonce, then the issuer against the allow-list."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    invalid = "Het ID-token van uw organisatie is ongeldig. " + TRY_AGAIN
    try:
        claims = _decode(document, id_token).claims
        jwt.JWTClaimsRegistry(
            leeway=60, iss={"essential": True}, sub={"essential": True},
            aud={"essential": True, "value": provider.client_id}, exp={"essential": True},
            iat={"essential": True}, nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except (JoseError, ValueError) as error:
        current_app.logger.warning("OIDC: ID token of %s refused: %s", provider.name, error)
        raise OidcRefused(invalid) from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise OidcRefused(invalid)
    if not issuer_allowed(provider, document, claims):
        raise OidcRefused("Dit organisatie-account hoort bij een organisatie die hier niet "
                          "mag inloggen. Log in met het account van uw eigen organisatie, of "
                          "met een inloglink.")
    return claims


def issuer_allowed(provider: ProviderSettings, document: dict, claims: dict) -> bool:
    """The allow-list holds issuer URLs or Entra tenant ids; an Entra tenant id also has
    to be the token's `tid`. Without a list only the discovery document's issuer."""
    issuer = claims.get("iss")
    allowed = provider.allowed_issuers or (document["issuer"],)
    for entry in allowed:
        if TENANT_ID.match(entry):
            if issuer == ENTRA_ISSUER.format(tid=entry.lower()) and (
                    str(claims.get("tid", "")).lower() == entry.lower()):
                return True
        elif issuer == entry.rstrip("/") or issuer == entry:
            return True
    return False


def verified_email(claims: dict) -> str | None:
    """The address, if the provider vouches for it: `email_verified` (Keycloak and most
    providers) or Entra's `xms_edov` (the domain's owner verified it)."""
    email = claims.get("email")
    vouched = claims.get("email_verified") in (True, "true") or claims.get("xms_edov") in (
        True, "true", 1, "1")
    if not isinstance(email, str) or "@" not in email or not vouched:
        return None
    return email.strip().lower()
