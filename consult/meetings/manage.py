"""What delegates do with a meeting: create, edit the agenda, import it, publish,
reschedule, cancel. Every route checks can_manage_meetings for the meeting's body."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.extensions import db
from consult.meetings import services
from consult.meetings.agenda_import import (
    ProposedAgenda,
    ProposedAttachment,
    ProposedItem,
    docx_to_text,
    parse_agenda_text,
)
from consult.meetings.forms import (
    AgendaSourceForm,
    ImportReviewForm,
    ItemForm,
    MeetingForm,
    ReasonForm,
)
from consult.meetings.models import AgendaItem, Body, Meeting, Purpose
from consult.meetings.pages import meeting_context
from consult.meetings.views import bp, load_item, load_meeting
from consult.pages import local_time, render_page
from consult.permissions import can_create_meetings, can_manage_meetings


def manageable_bodies() -> list[Body]:
    bodies = db.session.scalars(
        select(Body).options(selectinload(Body.delegates)).order_by(Body.name)).all()
    return [body for body in bodies if can_manage_meetings(current_user, body)]


class ReadOnly(Exception):
    """Held meetings are read-only: the agenda no longer changes."""

    def __init__(self, meeting_id: int):
        super().__init__(meeting_id)
        self.meeting_id = meeting_id


def check_changeable(meeting: Meeting) -> None:
    if services.meeting_status(meeting) in (services.MeetingStatus.HELD,
                                            services.MeetingStatus.DONE):
        raise ReadOnly(meeting.id)


def managed_meeting(meeting_id: int) -> Meeting:
    meeting = load_meeting(meeting_id)
    if not can_manage_meetings(current_user, meeting.body):
        abort(403)
    check_changeable(meeting)
    return meeting


def managed_item(item_id: int) -> AgendaItem:
    item = load_item(item_id)
    if not can_manage_meetings(current_user, item.meeting.body):
        abort(403)
    check_changeable(item.meeting)
    return item


@bp.errorhandler(ReadOnly)
def read_only(error: ReadOnly):
    flash("Deze vergadering is gehouden: de agenda is alleen nog te lezen.", "error")
    return redirect(url_for("meetings.meeting", meeting_id=error.meeting_id), 303)


def meeting_times(form: MeetingForm, body: Body):
    starts_at = services.local_datetime(form.date.data, form.start_time.data)
    ends_at = services.local_datetime(form.date.data, form.end_time.data)
    if form.deadline_date.data and form.deadline_time.data:
        deadline = services.local_datetime(form.deadline_date.data, form.deadline_time.data)
    else:
        deadline = services.propose_deadline(body, starts_at)
    return starts_at, ends_at, deadline


@bp.route("/vergaderingen/nieuw", methods=["GET", "POST"])
@login_required
def new_meeting():
    if not can_create_meetings(current_user):
        abort(403)
    bodies = manageable_bodies()
    if not bodies:
        abort(403)
    form = MeetingForm()
    form.body_id.choices = [(body.id, body.name) for body in bodies]
    if form.validate_on_submit():
        body = next(b for b in bodies if b.id == form.body_id.data)
        starts_at, ends_at, deadline = meeting_times(form, body)
        try:
            services.check_times(starts_at, ends_at, deadline)
        except services.MeetingRuleError as error:
            form.date.errors.append(str(error))
        else:
            meeting = services.create_meeting(
                body, current_user, starts_at=starts_at, ends_at=ends_at,
                location=form.location.data.strip(), online=form.online.data,
                input_deadline=deadline)
            db.session.commit()
            flash("De vergadering is aangemaakt. Zet nu de agenda erin: importeer de tekst "
                  "van het secretariaat of voeg punten toe.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("meetings/meeting_form.html", status=status, form=form, meeting=None,
                       title="Nieuwe vergadering")


@bp.route("/vergaderingen/<int:meeting_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_meeting(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = MeetingForm()
    form.body_id.choices = [(meeting.body.id, meeting.body.name)]
    if request.method == "GET":
        start, end, deadline = (local_time(meeting.starts_at), local_time(meeting.ends_at),
                                local_time(meeting.input_deadline))
        form.body_id.data = meeting.body_id
        form.date.data, form.start_time.data, form.end_time.data = (
            start.date(), start.time(), end.time())
        form.deadline_date.data, form.deadline_time.data = deadline.date(), deadline.time()
        form.location.data, form.online.data = meeting.location, meeting.online
    elif form.validate_on_submit():
        starts_at, ends_at, deadline = meeting_times(form, meeting.body)
        try:
            changed = services.reschedule_meeting(
                meeting, current_user, starts_at=starts_at, ends_at=ends_at,
                input_deadline=deadline, note=form.note.data.strip())
        except services.MeetingRuleError as error:
            form.date.errors.append(str(error))
        else:
            meeting.location, meeting.online = form.location.data.strip(), form.online.data
            db.session.commit()
            flash("De wijziging is opgeslagen" + (" en staat in het logboek." if changed else "."),
                  "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("meetings/meeting_form.html", status=status, form=form, meeting=meeting,
                       title="Vergadering wijzigen")


@bp.post("/vergaderingen/<int:meeting_id>/publiceren")
@login_required
def publish(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    try:
        count = services.publish_meeting(meeting, current_user)
    except services.MeetingRuleError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"De agenda is gepubliceerd. {count} leden krijgen een e-mail met het verzoek om "
              "inbreng.", "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id), 303)


@bp.route("/vergaderingen/<int:meeting_id>/annuleren", methods=["GET", "POST"])
@login_required
def cancel(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.cancel_meeting(meeting, current_user, form.reason.data.strip())
        except services.MeetingRuleError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("De vergadering is geannuleerd.", "success")
        return redirect(url_for("meetings.meeting", meeting_id=meeting.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("meetings/reason_form.html", status=status, form=form, meeting=meeting,
                       title="Vergadering annuleren",
                       intro="De vergadering blijft zichtbaar, met de reden die u hier geeft.",
                       submit="Vergadering annuleren")


# --- agenda items ---------------------------------------------------------------

def fill_item(item: AgendaItem, form: ItemForm) -> None:
    item.number = form.number.data.strip()
    item.sub = (form.sub.data or "").strip().upper()
    item.title = form.title.data.strip()
    item.explanation = form.explanation.data.strip()
    item.presenter = form.presenter.data.strip()
    item.purpose = Purpose(form.purpose.data) if form.purpose.data else None
    item.asks_input = form.asks_input.data


@bp.route("/vergaderingen/<int:meeting_id>/agendapunten/nieuw", methods=["GET", "POST"])
@login_required
def new_item(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = ItemForm()
    if request.method == "GET":
        form.asks_input.data = True
        form.number.data = str(len({i.number for i in meeting.items}) + 1)
    elif form.validate_on_submit():
        item = services.add_item(meeting, title="")
        fill_item(item, form)
        db.session.commit()
        flash(f"Agendapunt {item.label} is toegevoegd.", "success")
        return redirect(url_for("meetings.meeting", meeting_id=meeting.id) + f"#punt-{item.id}",
                        303)
    status = 422 if form.is_submitted() else 200
    return render_page("meetings/item_form.html", status=status, form=form, meeting=meeting,
                       item=None, title="Agendapunt toevoegen")


@bp.route("/agendapunten/<int:item_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int):
    item = managed_item(item_id)
    form = ItemForm(obj=item)
    if request.method == "GET":
        form.purpose.data = item.purpose.value if item.purpose else ""
    elif form.validate_on_submit():
        fill_item(item, form)
        db.session.commit()
        flash(f"Agendapunt {item.label} is opgeslagen.", "success")
        return redirect(url_for("meetings.meeting", meeting_id=item.meeting_id)
                        + f"#punt-{item.id}", 303)
    status = 422 if form.is_submitted() else 200
    return render_page("meetings/item_form.html", status=status, form=form, meeting=item.meeting,
                       item=item, title=f"Agendapunt {item.label} bewerken")


def agenda_response(meeting: Meeting):
    """After a change to the order: the agenda block for htmx, else back to the page."""
    from consult.pages import wants_fragment

    if wants_fragment():
        db.session.expire(meeting, ["items"])
        return render_page("meetings/meeting.html", block="agenda", **meeting_context(meeting))
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id) + "#agenda", 303)


@bp.post("/agendapunten/<int:item_id>/omhoog")
@login_required
def move_up(item_id: int):
    item = managed_item(item_id)
    services.move_item(item, "up")
    db.session.commit()
    return agenda_response(item.meeting)


@bp.post("/agendapunten/<int:item_id>/omlaag")
@login_required
def move_down(item_id: int):
    item = managed_item(item_id)
    services.move_item(item, "down")
    db.session.commit()
    return agenda_response(item.meeting)


@bp.route("/agendapunten/<int:item_id>/terugtrekken", methods=["GET", "POST"])
@login_required
def withdraw_item(item_id: int):
    item = managed_item(item_id)
    form = ReasonForm()
    if form.validate_on_submit():
        services.withdraw_item(item, current_user, form.reason.data.strip())
        db.session.commit()
        flash(f"Agendapunt {item.label} gaat van de agenda.", "success")
        return redirect(url_for("meetings.meeting", meeting_id=item.meeting_id), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("meetings/reason_form.html", status=status, form=form,
                       meeting=item.meeting, title=f"Agendapunt {item.label} van de agenda halen",
                       intro=f"“{item.title}” blijft zichtbaar met de reden, maar er kan geen "
                             "inbreng meer op worden gegeven.",
                       submit="Van de agenda halen")


@bp.post("/agendapunten/<int:item_id>/terugzetten")
@login_required
def restore_item(item_id: int):
    item = managed_item(item_id)
    services.restore_item(item, current_user)
    db.session.commit()
    flash(f"Agendapunt {item.label} staat weer op de agenda.", "success")
    return redirect(url_for("meetings.meeting", meeting_id=item.meeting_id), 303)


@bp.post("/agendapunten/<int:item_id>/verwijderen")
@login_required
def delete_item(item_id: int):
    item = managed_item(item_id)
    meeting = item.meeting
    if meeting.published_at is not None:
        flash("Een gepubliceerd agendapunt verwijdert u niet: haal het van de agenda, "
              "dan zien leden waarom.", "error")
    else:
        meeting.items.remove(item)
        db.session.commit()
        flash(f"Agendapunt {item.label} is verwijderd.", "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id), 303)


# --- importing an agenda ------------------------------------------------------------

def review_form_for(agenda: ProposedAgenda) -> ImportReviewForm:
    form = ImportReviewForm(formdata=None)
    for proposed in agenda.items:
        form.items.append_entry({
            "include": True,
            "number": proposed.number,
            "sub": proposed.sub,
            "title": proposed.title,
            "explanation": proposed.explanation,
            "presenter": proposed.presenter,
            "purpose": proposed.purpose or "",
            "asks_input": proposed.asks_input,
            "attachments": "\n".join(f"{a.label} {a.title}".strip()
                                     for a in proposed.attachments),
        })
    return form


def agenda_from_review(form: ImportReviewForm) -> ProposedAgenda:
    items = []
    for entry in form.items:
        data = entry.form
        if not data.include.data:
            continue
        attachments = []
        for line in (data.attachments.data or "").splitlines():
            label, _, title = line.strip().partition(" ")
            if label:
                attachments.append(ProposedAttachment(label=label.rstrip(".:").lower(),
                                                      title=title.strip(" -–:")))
        items.append(ProposedItem(
            number=data.number.data.strip(), sub=(data.sub.data or "").strip().upper(),
            title=data.title.data.strip(), explanation=(data.explanation.data or "").strip(),
            purpose=data.purpose.data or None, presenter=(data.presenter.data or "").strip(),
            asks_input=data.asks_input.data, attachments=attachments))
    return ProposedAgenda(items=items, preamble="")


@bp.route("/vergaderingen/<int:meeting_id>/agenda/importeren", methods=["GET", "POST"])
@login_required
def import_agenda(meeting_id: int):
    """Step 1: paste text or upload .docx; the answer is the proposed list to review."""
    meeting = managed_meeting(meeting_id)
    form = AgendaSourceForm()
    if form.validate_on_submit():
        text = form.text.data or ""
        upload = form.file.data
        if upload and upload.filename:
            try:
                text = docx_to_text(upload.read(10_000_000))
            except ValueError as error:
                form.file.errors.append(str(error))
        if not form.file.errors:
            if not text.strip():
                form.text.errors.append("Plak de tekst van de agenda of kies een Word-bestand.")
            else:
                agenda = parse_agenda_text(text)
                if not agenda.items:
                    form.text.errors.append(
                        "Er zijn geen genummerde agendapunten gevonden. Controleer of de "
                        "punten met een nummer beginnen, zoals “1. Opening”.")
                else:
                    return render_page("meetings/import_review.html", meeting=meeting,
                                       review=review_form_for(agenda), preamble=agenda.preamble,
                                       title="Agenda controleren")
    status = 422 if form.is_submitted() else 200
    return render_page("meetings/import_source.html", status=status, form=form, meeting=meeting,
                       title="Agenda importeren")


@bp.post("/vergaderingen/<int:meeting_id>/agenda/importeren/opslaan")
@login_required
def save_import(meeting_id: int):
    """Step 2: save the reviewed and corrected items."""
    meeting = managed_meeting(meeting_id)
    review = ImportReviewForm()
    if not review.validate():
        return render_page("meetings/import_review.html", status=422, meeting=meeting,
                           review=review, preamble="", title="Agenda controleren")
    items = services.save_imported_agenda(meeting, agenda_from_review(review))
    db.session.commit()
    flash(f"{len(items)} agendapunten zijn toegevoegd. Controleer ze en voeg de bijlagen toe.",
          "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id), 303)
