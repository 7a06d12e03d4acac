"""The admin page for mail that did not arrive (beheer: berichten), and the one-click
unsubscribe link of mail kinds without a per-body preference."""

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_login import login_required

from consult.accounts.models import User
from consult.extensions import csrf, db
from consult.mail import admin, services
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.mail.opt_out import OPT_OUT_KINDS, read_opt_out_token
from consult.pages import render_page
from consult.permissions import can_see_failed_mail, require

bp = Blueprint("mail", __name__, url_prefix="/beheer/berichten")
public = Blueprint("optout", __name__)


@bp.before_request
@login_required
@require(can_see_failed_mail)
def guard():
    """Every route here is for admins only."""


@bp.get("", endpoint="failed")
def failed():
    return render_page(
        "mail/failed.html", messages=admin.problem_messages(), counts=admin.status_counts(),
        limit=admin.PAGE_SIZE, kind_labels=admin.KIND_LABELS,
        not_resendable=admin.not_resendable, OutboxStatus=OutboxStatus,
        title="Mislukte e-mail")


@bp.post("/<int:message_id>/opnieuw", endpoint="resend")
def resend(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    if admin.resend(message):
        flash(f"Het bericht aan {message.recipient} wordt opnieuw verstuurd.", "success")
    else:
        flash(f"Niet opnieuw verstuurd: {admin.not_resendable(message)}", "error")
    return redirect(url_for("mail.failed"), 303)


@public.route("/afmelden/bericht/<token>", methods=["GET", "POST"], endpoint="unsubscribe")
@csrf.exempt  # authorised by the signed token alone: mail clients POST without a session
def unsubscribe(token: str):
    """RFC 8058: GET shows a confirmation (link scanners must not unsubscribe anyone);
    POST (the button, or the mail client's one-click) unsubscribes."""
    target = read_opt_out_token(token)
    user = db.session.get(User, target[0]) if target else None
    if user is None:
        return render_page("reminders/unsubscribe_invalid.html", status=404,
                           title="Deze afmeldlink werkt niet")
    kind = target[1]
    done = request.method == "POST"
    if done:
        services.opt_out(user.id, kind)
    response = render_page("mail/opt_out.html", user=user, what=OPT_OUT_KINDS[kind],
                           done=done, token=token, title="Afmelden")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(public)
