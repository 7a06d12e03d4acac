"""Concept ter inzage: the delegate sends the concept (of one item or of all items); the
contributor answers from the signed link in the mail. The link's GET only shows the page
with the buttons: an answer is a POST."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from consult.meetings.services import local_datetime
from consult.pages import render_page
from consult.permissions import item_for, meeting_for
from consult.statements import draft_review, pages
from consult.statements.forms import ReviewAnswerForm, ReviewForm
from consult.statements.services import ConsolidationError

bp = Blueprint("reviews", __name__)


def send(items, form: ReviewForm) -> int | None:
    """Send, or flash why not; the number of messages queued."""
    if not form.validate():
        flash("Vul een geldige datum en tijd in om vóór te antwoorden.", "error")
        return None
    answer_by = local_datetime(form.answer_date.data, form.answer_time.data)
    try:
        sent = draft_review.send_for_review(items, current_user, answer_by)
    except ConsolidationError as error:
        flash(str(error), "error")
        return None
    flash(f"Het concept is ter inzage gestuurd aan {sent.messages} "
          f"{'indiener' if sent.messages == 1 else 'indieners'}.", "success")
    return sent.messages


@bp.post("/agendapunten/<int:item_id>/ter-inzage")
@login_required
def send_item(item_id: int):
    item = item_for("consolidate_item", item_id)
    send([item], ReviewForm())
    return redirect(url_for("statements.item_workspace", item_id=item.id) + "#ter-inzage", 303)


@bp.post("/vergaderingen/<int:meeting_id>/ter-inzage")
@login_required
def send_meeting(meeting_id: int):
    meeting = meeting_for("consolidate", meeting_id)
    send(draft_review.reviewable_items(meeting), ReviewForm())
    return redirect(url_for("statements.workspace", meeting_id=meeting.id), 303)


@bp.route("/concept/<token>", methods=["GET", "POST"])
def answer(token: str):
    """No login: the token in the link is the contributor's key to this one answer."""
    row = draft_review.answer_for_token(token)
    if row is None:
        abort(404)
    form = ReviewAnswerForm()
    error = None
    if request.method == "POST":
        if form.validate():
            try:
                draft_review.record_answer(row, request.form.get("answer", ""),
                                           form.note.data or "")
            except ConsolidationError as exc:
                error = str(exc)
            else:
                return redirect(url_for("reviews.answer", token=token, bedankt=1), 303)
        else:
            error = "Het formulier is verlopen; probeer het opnieuw."
    context = pages.review_answer_context(row, form, error,
                                          thanks=request.args.get("bedankt") == "1")
    return render_page("statements/review_answer.html", status=422 if error else 200,
                       **context)
