"""API tokens on the account page: make one (shown once), revoke one."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from consult.api import tokens
from consult.api.forms import ApiTokenForm
from consult.api.models import ApiToken
from consult.extensions import db
from consult.meetings.models import Body
from consult.pages import render_page
from consult.permissions import can_manage_api_tokens, can_revoke_api_token, require

bp = Blueprint("api_tokens", __name__)


def token_panel() -> dict:
    """For the account page (a template global): the member's tokens and an empty form."""
    if not (current_user.is_authenticated and can_manage_api_tokens(current_user)):
        return {}
    return {"tokens": tokens.tokens_of(current_user),
            "form": ApiTokenForm(tokens.token_bodies(current_user), formdata=None)}


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
@require(can_manage_api_tokens)
def index():
    form = ApiTokenForm(tokens.token_bodies(current_user))
    error = None
    if form.validate_on_submit():
        body = db.session.get(Body, form.body.data)
        try:
            token, raw = tokens.create_token(current_user, body, form.name.data, form.days.data)
        except tokens.TokenError as failure:
            error = str(failure)
        else:
            return render_page("api/token_created.html", token=token, raw=raw,
                               title="Uw nieuwe API-token")
    status = 422 if form.is_submitted() else 200
    return render_page("api/tokens.html", status=status, form=form, error=error,
                       tokens=tokens.tokens_of(current_user), title="API-tokens")


@bp.post("/account/api-tokens/<int:token_id>/intrekken")
@login_required
def revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if not can_revoke_api_token(current_user, token):
        abort(403)
    tokens.revoke_token(token)
    flash(f"Het token \u201c{token.name}\u201d is ingetrokken; het werkt niet meer.", "success")
    return redirect(url_for("accounts.account") + "#api-tokens", 303)
