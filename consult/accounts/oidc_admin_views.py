"""Organisation logins (OpenID Connect providers), managed by admins."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required
from sqlalchemy import select

from consult.accounts.oidc_forms import OidcProviderForm
from consult.accounts.oidc_models import OidcProvider
from consult.extensions import db
from consult.pages import external_url, render_page
from consult.permissions import can_manage_login_providers, login_provider_for, require

bp = Blueprint("login_providers", __name__, url_prefix="/beheer/organisatie-accounts")


@bp.before_request
@login_required
@require(can_manage_login_providers)
def guard():
    """Every route here is for admins only."""


@bp.get("")
def index():
    providers = db.session.scalars(select(OidcProvider).order_by(OidcProvider.name)).all()
    return render_page("admin/login_providers.html", providers=providers,
                       redirect_uri=external_url("organisation_login.callback"))


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    return provider_page(None)


@bp.route("/<int:provider_id>", methods=["GET", "POST"])
def edit(provider_id: int):
    return provider_page(login_provider_for("manage_login_providers", provider_id))


def provider_page(provider: OidcProvider | None):
    form = OidcProviderForm(obj=provider, secret_required=provider is None)
    if provider is not None and request.method == "GET":
        organisation = provider.self_registration_organisation
        form.self_registration_organisation.data = organisation.value if organisation else ""
    if form.validate_on_submit():
        if provider is None:
            provider = OidcProvider(client_secret="")
            db.session.add(provider)
        for name, value in form.fields().items():
            setattr(provider, name, value)
        flash(f"Organisatie-account ‘{provider.name}’ is opgeslagen.", "success")
        return redirect(url_for("login_providers.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("admin/login_provider_form.html", status=status, form=form,
                       provider=provider,
                       redirect_uri=external_url("organisation_login.callback"))


@bp.post("/<int:provider_id>/verwijderen")
def delete(provider_id: int):
    provider = login_provider_for("manage_login_providers", provider_id)
    db.session.delete(provider)
    flash(f"Organisatie-account ‘{provider.name}’ is verwijderd.", "success")
    return redirect(url_for("login_providers.index"), 303)
