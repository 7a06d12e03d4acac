"""What members see: Mijn overleggen, the meeting page, the item page, the archive."""

from flask import request
from flask_login import current_user, login_required

from consult.archive.search import archive_page
from consult.meetings.blueprint import bp
from consult.meetings.pages import dashboard_context, item_context, meeting_context
from consult.pages import render_page
from consult.permissions import item_for, meeting_for


@bp.get("/")
@login_required
def dashboard():
    return render_page("meetings/dashboard.html", **dashboard_context(current_user))


@bp.get("/vergaderingen/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    context = meeting_context(meeting_for("view_meeting", meeting_id))
    context["saved_item_id"] = request.args.get("opgeslagen", type=int)
    return render_page("meetings/meeting.html", **context)


@bp.get("/agendapunten/<int:item_id>")
@login_required
def item(item_id: int):
    item = item_for("view_meeting", item_id)
    saved = request.args.get("opgeslagen", type=int) == item.id
    return render_page("meetings/item.html", **item_context(item, saved=saved))


@bp.get("/archief")
@login_required
def archive():
    """Past meetings, searchable in their items, input, statements and outcomes."""
    context = archive_page(current_user, request.args.get("q", ""),
                           request.args.get("page", 1, type=int))
    return render_page("meetings/archive.html", block="results", title="Archief", **context)

