"""The calendar routes: one meeting's .ics, the personal feed, and the feed's link."""

from flask import Blueprint, abort, flash, make_response, redirect, url_for
from flask_login import current_user, login_required

from consult.meetings.calendar import services
from consult.permissions import meeting_for

bp = Blueprint("calendar", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"


def calendar_response(body: bytes, filename: str | None = None):
    response = make_response(body)
    response.headers["Content-Type"] = CONTENT_TYPE
    response.headers["Cache-Control"] = "private, no-cache"
    if filename:
        response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


@bp.get("/vergaderingen/<int:meeting_id>/agenda.ics")
@login_required
def meeting_ics(meeting_id: int):
    meeting = meeting_for("view_meeting", meeting_id)
    return calendar_response(services.meeting_calendar(meeting),
                             services.meeting_filename(meeting))


@bp.get("/agenda/<token>.ics")
def feed(token: str):
    # No session here: calendar apps only have the URL. The secret token is the key.
    user = services.feed_user(token) or abort(404)
    response = calendar_response(services.feed_calendar(user))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/account/agenda-link/vernieuwen")
@login_required
def renew():
    services.renew_calendar_token(current_user)
    flash("U heeft een nieuwe agenda-link. De oude link werkt niet meer: vervang hem in uw "
          "agenda.", "success")
    return redirect(url_for("accounts.account"), 303)


@bp.post("/account/agenda-link/maken")
@login_required
def create():
    services.ensure_calendar_token(current_user)
    flash("Uw agenda-link is klaar. Voeg hem toe aan uw agenda.", "success")
    return redirect(url_for("accounts.account"), 303)
