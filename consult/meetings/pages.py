"""Page contexts: what the member's pages show (the meeting page, the item page), built
by services so that no view module imports another."""

from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from consult.comments import services as comments
from consult.comments.forms import blank_form_view, comment_form, form_view
from consult.comments.lines import comment_lines
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.services import (
    can_move,
    meeting_location,
    meeting_title,
    upcoming_meetings,
)
from consult.meetings.status import MeetingStatus, meeting_status
from consult.permissions import (
    can_change_agenda,
    can_comment,
    can_manage_meetings,
    can_view_outcome,
    can_view_statement,
    commentable_items,
    is_asked_for_input,
    is_asked_for_meeting,
)
from consult.statements.desk import MeetingCounts, desk_meetings, desk_rows, meeting_counts
from consult.statements.desk_charts import charts
from consult.statements.models import Outcome, Statement, StatementStatus
from consult.statements.outcomes import comment_fate
from consult.statements.services import my_input_results


def meeting_context(meeting: Meeting) -> dict:
    """The meeting page: the agenda with, per item, my own input and the input form."""
    user = current_user._get_current_object()  # not the proxy: read for every item
    whole, marked = comments.no_input_state(user.id, meeting.id)
    return {
        "meeting": meeting,
        "state": meeting_status(meeting),
        "title": meeting_title(meeting),
        "location": meeting_location(meeting),
        "manage": can_manage_meetings(user, meeting.body),
        "change_agenda": can_change_agenda(user, meeting),
        "MeetingStatus": MeetingStatus,
        "commentable": commentable_items(user, meeting),
        "mine": comments.my_comments(user.id, meeting.id),
        "no_input_whole": whole,
        "no_input_items": marked | ({item.id for item in meeting.items} if whole else set()),
        "asked_any": is_asked_for_meeting(user, meeting),
        "blank_form": blank_form_view(user),  # once per page, not per item
        "form_view": form_view,
        "can_move": can_move,
        "form": None,
    }


def item_context(item: AgendaItem, form=None, error=None, late=False, saved=False) -> dict:
    """Everything the item page's input section shows."""
    user = current_user._get_current_object()  # not the proxy, read once per input
    meeting = item.meeting
    whole, marked = comments.no_input_state(user.id, meeting.id)
    return {
        "item": item,
        "meeting": meeting,
        "state": meeting_status(meeting),
        "MeetingStatus": MeetingStatus,
        "comments": comment_lines(user, item),
        "form": form or (comment_form(item) if late else None),  # only the late form shows it
        "input_form": form_view(form) if form else blank_form_view(user),
        "error": error,
        "late": late,
        "saved": saved,
        "can_comment": can_comment(user, item),
        "asked": is_asked_for_input(user, item),
        "no_input": whole or item.id in marked,
        "no_input_whole": whole,
        "manage": can_manage_meetings(user, meeting.body),
        "title": f"{item.label}. {item.title}",
        **consolidation_context(item),
    }


# One statement for both, built once at import (composing it cost more than running it).
_STATEMENT_AND_OUTCOME = (
    select(Statement, Outcome).select_from(AgendaItem)
    .outerjoin(Statement, Statement.item_id == AgendaItem.id)
    .outerjoin(Outcome, Outcome.item_id == AgendaItem.id)
    .where(AgendaItem.id == bindparam("item_id"))
    .options(joinedload(Statement.current_revision)))


def consolidation_context(item) -> dict:
    """The statement (once final) and the outcome (once published) of an item; the
    delegates see them while they work."""
    statement, outcome = db.session.execute(_STATEMENT_AND_OUTCOME, {"item_id": item.id}).one()
    final = statement is not None and statement.status == StatementStatus.FINAL
    return {
        "statement": statement if statement and statement.text
        and can_view_statement(current_user, statement) else None,
        "statement_final": final,
        "outcome": outcome if outcome and can_view_outcome(current_user, outcome) else None,
    }


def inline_context(item, form=None, error=None, late=False, saved=False) -> dict:
    """The response area of one item on the meeting page."""
    return {**meeting_context(item.meeting), "item": item, "form": form,
            "form_item_id": item.id, "error": error, "late": late, "saved": saved}


def dashboard_context(user) -> dict:
    """Mijn overleggen: for a delegate (and a regional chair) first the desk, the next
    action per meeting; then the coming meetings of my bodies with, per meeting, how many
    items ask for input and how many still wait for mine; and what became of my input."""
    now = utcnow()
    on_desk = desk_meetings(user, now)
    delegated = {meeting.id for meeting, role, _ in on_desk if role == "gedelegeerde"}
    meetings = [m for m in upcoming_meetings(user, now) if m.id not in delegated]
    # One query counts for the desk and the coming meetings alike.
    counts = meeting_counts(user, sorted({m.id for m, _, _ in on_desk} | {m.id for m in meetings}))
    desk = desk_rows(user, now, on_desk, counts)
    rows = []
    for meeting in meetings:
        count = counts.get(meeting.id, MeetingCounts())
        rows.append({"meeting": meeting, "status": meeting_status(meeting, now),
                     "asked": count.asked, "waiting": count.asked - count.responded})
    return {"rows": rows, "now": now, "MeetingStatus": MeetingStatus,
            "desk": [(row, charts(row)) for row in desk], "results": my_input_results(user),
            "fate": comment_fate}
