"""The personal link in a mail that asks for input: it opens that meeting with the member
recognised for it only (consult.permissions.link_access), so giving input from a reminder
takes two clicks: open the link, send."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from consult.accounts.forms import LoginLinkForm
from consult.mail.tokens import revoke_all
from consult.pages import render_page
from consult.permissions.link_access import LinkInvalid, check_link, remember_link

bp = Blueprint("links", __name__)


@bp.get("/toegang/<int:token_id>/<token>")
def open(token_id: int, token: str):  # noqa: A001 - the endpoint links.open
    """Opening the link only sets the session cookie (a mail scanner that follows it
    changes nothing on the server)."""
    try:
        grant = check_link(token_id, token)
    except LinkInvalid as error:
        email = error.user.email if error.user else ""
        form = LoginLinkForm(email=email, next="", formdata=None)
        return render_page("links/invalid.html", status=410, reason=error.reason, form=form)
    if not current_user.is_authenticated:
        remember_link(grant, token)
    item_id = request.args.get("punt", type=int)
    if item_id and any(item.id == item_id for item in grant.meeting.items):
        target = url_for("meetings.item", item_id=item_id) + "#inbreng"
    else:
        target = url_for("meetings.meeting", meeting_id=grant.meeting.id)
    response = redirect(target, 303)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/account/links-intrekken")
@login_required
def revoke():
    """Every personal link and reply address of the member stops working (a mail that
    reached someone else); the next mail about a meeting carries new ones."""
    revoke_all(current_user.id)
    flash("De persoonlijke links en antwoordadressen in uw eerdere e-mails werken niet meer.",
          "success")
    return redirect(url_for("accounts.account"), 303)
