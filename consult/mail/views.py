"""The admin page for mail that did not arrive (beheer: berichten)."""

from flask import Blueprint, Flask, abort, flash, redirect, url_for
from flask_login import login_required

from consult.extensions import db
from consult.mail import admin
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.pages import render_page
from consult.permissions import can_see_failed_mail, require

bp = Blueprint("mail", __name__, url_prefix="/beheer/berichten")


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


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
