"""What delegates do with the agenda: add, edit, move, withdraw, restore and delete
items, and import an agenda from text or Word. Every route loads through
`meeting_for`/`item_for("change_agenda")`: the body's delegates, not after the meeting."""

from flask import flash, request
from flask_login import current_user, login_required

from consult.extensions import db
from consult.meetings import services
from consult.meetings.blueprint import bp, form_status, meeting_page, reason_page
from consult.meetings.forms import AgendaSourceForm, ImportReviewForm, ItemForm, ReasonForm
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.pages import meeting_context
from consult.pages import render_page, wants_fragment
from consult.permissions import item_for, meeting_for


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


def agenda_response(meeting: Meeting):
    """After a change to the order: the agenda block for htmx, else back to the page."""
    if wants_fragment():
        db.session.expire(meeting, ["items"])
        return render_page("meetings/meeting.html", block="agenda", **meeting_context(meeting))
    return meeting_page(meeting, "#agenda")


def move(item_id: int, direction: str):
    item = item_for("change_agenda", item_id)
    services.move_item(item, direction)
    return agenda_response(item.meeting)


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


# --- importing an agenda ------------------------------------------------------------


@bp.route("/vergaderingen/<int:meeting_id>/agenda/importeren", methods=["GET", "POST"])
@login_required
def import_agenda(meeting_id: int):
    """Step 1: paste text or upload .docx; the answer is the proposed list to review."""
    meeting = meeting_for("change_agenda", meeting_id)
    form = AgendaSourceForm()
    if form.validate_on_submit():
        upload = form.file.data
        docx = upload.read(10_000_000) if upload and upload.filename else None
        try:
            agenda = services.propose_agenda(form.text.data or "", docx)
        except services.AgendaSourceError as error:
            form[error.field].errors.append(str(error))
        else:
            return render_page("meetings/import_review.html", meeting=meeting,
                               review=ImportReviewForm.for_agenda(agenda),
                               preamble=agenda.preamble, title="Agenda controleren")
    return render_page("meetings/import_source.html", status=form_status(form), form=form,
                       meeting=meeting, title="Agenda importeren")


@bp.post("/vergaderingen/<int:meeting_id>/agenda/importeren/opslaan")
@login_required
def save_import(meeting_id: int):
    """Step 2: save the reviewed and corrected items."""
    meeting = meeting_for("change_agenda", meeting_id)
    review = ImportReviewForm()
    if not review.validate():
        return render_page("meetings/import_review.html", status=422, meeting=meeting,
                           review=review, preamble="", title="Agenda controleren")
    items = services.save_imported_agenda(meeting, review.agenda())
    flash(f"{len(items)} agendapunten zijn toegevoegd. Controleer ze en voeg de bijlagen toe.",
          "success")
    return meeting_page(meeting)
