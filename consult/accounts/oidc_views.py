"""Logging in with the organisation account (OpenID Connect): to the provider and back."""

from flask import Blueprint, abort, redirect, request, session

from consult.accounts import oidc, oidc_login
from consult.accounts.login_flow import finish_login
from consult.accounts.oidc import OidcRefused
from consult.accounts.services import safe_next_url
from consult.database import writes_on_get
from consult.pages import external_url, render_page

bp = Blueprint("organisation_login", __name__, url_prefix="/inloggen/organisatie")
FLOW = "oidc_flow"  # the session key of the login under way


def redirect_uri() -> str:
    # One fixed address for every provider, to register at Entra ID or Keycloak.
    return external_url("organisation_login.callback")


def refused(error: OidcRefused):
    return render_page("accounts/organisation_login_refused.html", status=error.status,
                       message=error.message)


@bp.get("/<key>")
def start(key: str):
    """A link, not a form: Consult's CSP (form-action 'self') would stop a form's redirect
    to the provider. Starting writes only the session cookie; the state ties the answer to
    this browser, so a forged start logs nobody in as someone else."""
    provider = oidc_login.provider_by_key(key)
    if provider is None:
        abort(404)
    try:
        url, flow = oidc.authorization_url(provider, redirect_uri())
    except OidcRefused as error:
        return refused(error)
    flow["next"] = safe_next_url(request.args.get("next"))
    session[FLOW] = flow
    return redirect(url, 303)


@bp.get("/terug")
@writes_on_get
def callback():
    # Taken out of the session whatever happens: a state works once.
    flow = session.pop(FLOW, None)
    try:
        oidc.check_flow(flow, None, request.args.get("state"))
        if request.args.get("error") or not request.args.get("code"):
            raise OidcRefused("Het inloggen bij uw organisatie is afgebroken of geweigerd. "
                              + oidc.TRY_AGAIN, 400)
        provider = oidc_login.provider_by_key(flow["provider"])
        if provider is None:
            raise OidcRefused("Dit organisatie-account is niet meer ingesteld. "
                              + oidc.TRY_AGAIN, 400)
        claims = oidc.exchange_code(provider, flow, request.args["code"], redirect_uri(),
                                    request.args.get("iss"))
        user = oidc_login.member_for_claims(provider, claims)
    except OidcRefused as error:
        return refused(error)
    return finish_login(user, flow.get("next", ""))
