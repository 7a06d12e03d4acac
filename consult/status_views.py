"""The admins' status page (beheer: status): is the scheduler ticking, what did it do,
and how much mail and background work waits or failed."""

from flask import Blueprint, Flask
from flask_login import login_required

from consult import operations
from consult.exports.models import ExportStatus
from consult.mail.models import OutboxStatus
from consult.pages import render_page
from consult.permissions import can_see_status, require
from consult.reminders.models import ReminderStatus

bp = Blueprint("status", __name__, url_prefix="/beheer/status")


@bp.get("", endpoint="index")
@login_required
@require(can_see_status)
def index():
    return render_page("admin/status.html", report=operations.current_status(),
                       OutboxStatus=OutboxStatus, ExportStatus=ExportStatus,
                       ReminderStatus=ReminderStatus, labels=operations.TICK_LABELS,
                       title="Status van de planner")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
