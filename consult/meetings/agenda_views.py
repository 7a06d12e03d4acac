"""What delegates do with the agenda: add, edit, move, withdraw, restore and delete
items, and import an agenda from text or Word. Every route loads through
`meeting_for`/`item_for("change_agenda")`: the body's delegates, not after the meeting."""

import functools

from flask import flash, make_response, request, url_for
from flask_login import current_user, login_required

from consult.extensions import db
from consult.meetings import agenda_review, importing, services
from consult.meetings.agenda_import import parse_agenda_text
from consult.meetings.blueprint import bp, form_status, meeting_page, reason_page
from consult.meetings.forms import (
    AGENDA,
    REPORT,
    AgendaSourceForm,
    ImportReviewForm,
    ItemForm,
    ReasonForm,
)
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.pages import meeting_context
from consult.pages import render_page, wants_fragment
from consult.permissions import can_change_agenda, can_import_report, item_for, meeting_for
from consult.statements import past_reports


def item_fields(form: ItemForm) -> dict:
    return {
        "number": form.number.data.strip(),
        "sub": (form.sub.data or "").strip(),
        "title": form.title.data.strip(),
        "explanation": form.explanation.data.strip(),
        "presenter": form.presenter.data.strip(),
        "purpose": form.purpose.data,
        "asks_input": form.asks_input.data,
    }


def item_form_page(form: ItemForm, meeting: Meeting, item: AgendaItem | None, title: str):
    return render_page("meetings/item_form.html", status=form_status(form), form=form,
                       meeting=meeting, item=item, title=title)


@bp.route("/vergaderingen/<int:meeting_id>/agendapunten/nieuw", methods=["GET", "POST"])
@login_required
def new_item(meeting_id: int):
    meeting = meeting_for("change_agenda", meeting_id)
    form = ItemForm()
    if request.method == "GET":
        form.asks_input.data = True
        form.number.data = str(len({i.number for i in meeting.items}) + 1)
    elif form.validate_on_submit():
        item = services.add_item(meeting, **item_fields(form))
        flash(f"Agendapunt {item.label} is toegevoegd.", "success")
        return meeting_page(meeting, f"#punt-{item.id}")
    return item_form_page(form, meeting, None, "Agendapunt toevoegen")


@bp.route("/agendapunten/<int:item_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int):
    item = item_for("change_agenda", item_id)
    form = ItemForm(obj=item)
    if request.method == "GET":
        form.purpose.data = item.purpose.value if item.purpose else ""
    elif form.validate_on_submit():
        services.update_item(item, **item_fields(form))
        flash(f"Agendapunt {item.label} is opgeslagen.", "success")
        return meeting_page(item.meeting, f"#punt-{item.id}")
    return item_form_page(form, item.meeting, item, f"Agendapunt {item.label} bewerken")


def move(item_id: int, direction: str):
    """After a move: with htmx the agenda block, the focus on the moved item's button and
    the move announced; without, back to the item on the page."""
    item = item_for("change_agenda", item_id)
    moved = services.move_item(item, direction)
    where = "omhoog" if direction == "up" else "omlaag"
    message = (f"Punt {item.label} is {where} verplaatst." if moved
               else f"Punt {item.label} kan niet verder {where}.")
    if not wants_fragment():
        flash(message, "success" if moved else "error")
        return meeting_page(item.meeting, f"#punt-{item.id}")
    db.session.flush()
    db.session.expire(item.meeting, ["items"])
    focus = direction if services.can_move(item, direction) else (
        "down" if direction == "up" else "up")
    return render_page("meetings/meeting.html", block="agenda", announce=message,
                       focus_item=item.id, focus_direction=focus,
                       **meeting_context(item.meeting))


@bp.post("/agendapunten/<int:item_id>/omhoog")
@login_required
def move_up(item_id: int):
    return move(item_id, "up")


@bp.post("/agendapunten/<int:item_id>/omlaag")
@login_required
def move_down(item_id: int):
    return move(item_id, "down")


@bp.route("/agendapunten/<int:item_id>/terugtrekken", methods=["GET", "POST"])
@login_required
def withdraw_item(item_id: int):
    item = item_for("change_agenda", item_id)
    form = ReasonForm()
    if form.validate_on_submit():
        services.withdraw_item(item, current_user, form.reason.data.strip())
        flash(f"Agendapunt {item.label} gaat van de agenda.", "success")
        return meeting_page(item.meeting)
    return reason_page(form, item.meeting, title=f"Agendapunt {item.label} van de agenda halen",
                       intro=f"“{item.title}” blijft zichtbaar met de reden, maar er kan geen "
                             "inbreng meer op worden gegeven.",
                       submit="Van de agenda halen")


@bp.post("/agendapunten/<int:item_id>/terugzetten")
@login_required
def restore_item(item_id: int):
    item = item_for("change_agenda", item_id)
    services.restore_item(item, current_user)
    flash(f"Agendapunt {item.label} staat weer op de agenda.", "success")
    return meeting_page(item.meeting)


@bp.post("/agendapunten/<int:item_id>/verwijderen")
@login_required
def delete_item(item_id: int):
    item = item_for("change_agenda", item_id)
    meeting = item.meeting
    try:
        services.delete_item(item)
    except services.MeetingRuleError as error:
        flash(str(error), "error")
    else:
        flash(f"Agendapunt {item.label} is verwijderd.", "success")
    return meeting_page(meeting)


# --- importing an agenda or a past report ---------------------------------------------


def _parser(meeting: Meeting, kind: str):
    """How the text is read: as an agenda, or as a report with the body's labels."""
    if kind == REPORT:
        return functools.partial(past_reports.parse_report, meeting.body)
    return parse_agenda_text


def _kind_error(meeting: Meeting, kind: str) -> str | None:
    """Why this meeting cannot take this kind of import, if it cannot."""
    if kind == REPORT and not can_import_report(current_user, meeting):
        return ("Een verslag importeert u bij een vergadering die al is gehouden. Kies "
                "“Agenda van deze vergadering”.")
    if kind != REPORT and not can_change_agenda(current_user, meeting):
        return ("Deze vergadering is al gehouden: haar agenda verandert niet meer. Kies "
                "“Verslag van een gehouden vergadering” om inbreng en bespreking te importeren.")
    return None


def review_page(meeting: Meeting, review: ImportReviewForm, status: int = 200,
                message: str = "", error: str = "", focus: int | None = None):
    """The review form, whole or (htmx) just its block."""
    review.offer_modes(importing.import_modes(meeting))
    report = review.kind.data == REPORT
    return render_page("meetings/import_review.html", block="review", status=status,
                       meeting=meeting, review=review, report=report, message=message,
                       error=error, focus=focus, htmx=wants_fragment(),
                       title="Verslag controleren" if report else "Agenda controleren")


@bp.route("/vergaderingen/<int:meeting_id>/agenda/importeren", methods=["GET", "POST"])
@login_required
def import_agenda(meeting_id: int):
    """Step 1: paste text or upload .docx; the answer is the proposed list to review."""
    meeting = meeting_for("import_into", meeting_id)
    form = AgendaSourceForm()
    if request.method == "GET":
        # A meeting whose day has come most likely gets its report.
        form.kind.data = REPORT if can_import_report(current_user, meeting) else AGENDA
    if form.validate_on_submit():
        upload = form.file.data
        docx = upload.read(10_000_000) if upload and upload.filename else None
        try:
            if error := _kind_error(meeting, form.kind.data):
                raise importing.AgendaSourceError("kind", error)
            text = importing.agenda_source_text(form.text.data or "", docx)
            agenda = importing.propose_agenda(text, parse=_parser(meeting, form.kind.data))
        except importing.AgendaSourceError as error:
            form[error.field].errors.append(str(error))
        else:
            digest = past_reports.content_hash(text) if form.kind.data == REPORT else ""
            return review_page(meeting, ImportReviewForm.for_agenda(agenda, form.kind.data,
                                                                    digest))
    return render_page("meetings/import_source.html", status=form_status(form), form=form,
                       meeting=meeting, title="Agenda of verslag importeren")


@bp.post("/vergaderingen/<int:meeting_id>/agenda/importeren/opslaan")
@login_required
def save_import(meeting_id: int):
    """Step 2: a review operation (the "op" button) answers the changed form, storing
    nothing; "opslaan" saves the reviewed and corrected items."""
    meeting = meeting_for("import_into", meeting_id)
    review = ImportReviewForm()
    op = request.form.get("op", "opslaan")
    if op != "opslaan":
        return review_operation(meeting, review, op)
    review.offer_modes(importing.import_modes(meeting))
    error = _kind_error(meeting, review.kind.data)
    if error or not review.validate():
        return review_page(meeting, review, 422, error=error or "")
    try:
        message = save_review(meeting, review)
    except (services.MeetingRuleError, past_reports.ReportError) as rule:
        return review_page(meeting, review, 422, error=str(rule))
    flash(message, "success")
    if wants_fragment():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url_for("meetings.meeting", meeting_id=meeting.id)
        return response
    return meeting_page(meeting)


def review_operation(meeting: Meeting, review: ImportReviewForm, op: str):
    try:
        if op == "bijwerken":
            agenda, message, focus = review.proposal(), "Het voorstel is bijgewerkt.", None
        else:
            agenda, message, focus = agenda_review.apply(review.proposal(), op,
                                                         review.split_lines())
    except agenda_review.ReviewError as error:
        return review_page(meeting, review, 422, error=str(error))
    changed = ImportReviewForm.for_agenda(agenda, review.kind.data, review.source_hash.data,
                                          review.mode.data)
    return review_page(meeting, changed, message=message, focus=focus)


def save_review(meeting: Meeting, review: ImportReviewForm) -> str:
    """Save as an agenda or as a past report; the message for the delegate."""
    replace = review.mode.data == importing.REPLACE
    if review.kind.data == REPORT:
        result = past_reports.save_reviewed_report(meeting, current_user, review.agenda(),
                                                   replace=replace,
                                                   digest=review.source_hash.data or "")
        return f"Het verslag is geïmporteerd: {result.message}."
    items = importing.save_imported_agenda(meeting, review.agenda(), by=current_user,
                                          replace=replace)
    return f"{len(items)} agendapunten zijn toegevoegd. Controleer ze en voeg de bijlagen toe."
