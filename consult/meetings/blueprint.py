"""The meetings blueprint: the members' pages (views.py) and the delegates' pages
(manage_views.py, agenda_views.py) share it, so every endpoint is "meetings.*"; and the
answers those pages share."""

from flask import Blueprint, redirect, url_for

from consult.meetings.forms import ReasonForm
from consult.meetings.models import Meeting
from consult.pages import render_page

bp = Blueprint("meetings", __name__)


def meeting_page(meeting: Meeting, anchor: str = ""):
    """After a change: 303 back to the meeting page (at `anchor`, e.g. "#agenda")."""
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id) + anchor, 303)


def form_status(form) -> int:
    """A form shown again after it was sent is a 422; the empty form a 200."""
    return 422 if form.is_submitted() else 200


def reason_page(form: ReasonForm, meeting: Meeting, *, title: str, intro: str, submit: str):
    """Ask for the reason of a change that members will see (cancel, withdraw)."""
    return render_page("meetings/reason_form.html", status=form_status(form), form=form,
                       meeting=meeting, title=title, intro=intro, submit=submit)
