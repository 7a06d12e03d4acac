"""What delegates do with a meeting: create it, change its times and place, publish it,
cancel it. The loaders check can_manage_meetings; a held meeting is read-only (ReadOnly,
answered by `read_only`)."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from consult.meetings import services
from consult.meetings.blueprint import bp, form_status, meeting_page, reason_page
from consult.meetings.forms import MeetingForm, ReasonForm
from consult.meetings.models import Body, Meeting
from consult.pages import render_page
from consult.permissions import ReadOnly, can_create_meetings, meeting_for, require


def read_only(error: ReadOnly):
    """A change to the agenda of a held meeting: say so on the meeting page."""
    flash("Deze vergadering is gehouden: de agenda is alleen nog te lezen.", "error")
    return redirect(url_for("meetings.meeting", meeting_id=error.meeting_id), 303)


def times_of(form: MeetingForm, body: Body):
    return services.meeting_times(body, form.date.data, form.start_time.data,
                                  form.end_time.data, form.deadline_date.data,
                                  form.deadline_time.data)


def form_page(form: MeetingForm, meeting: Meeting | None, title: str):
    return render_page("meetings/meeting_form.html", status=form_status(form), form=form,
                       meeting=meeting, title=title)


@bp.route("/vergaderingen/nieuw", methods=["GET", "POST"])
@login_required
@require(can_create_meetings)
def new_meeting():
    bodies = services.manageable_bodies(current_user) or abort(403)
    form = MeetingForm()
    form.body_id.choices = [(body.id, body.name) for body in bodies]
    if form.validate_on_submit():
        body = next(b for b in bodies if b.id == form.body_id.data)
        starts_at, ends_at, deadline = times_of(form, body)
        try:
            meeting = services.create_meeting(
                body, current_user, starts_at=starts_at, ends_at=ends_at,
                location=form.location.data.strip(), online=form.online.data,
                input_deadline=deadline, description=form.description.data.strip())
        except services.MeetingRuleError as error:
            form.date.errors.append(str(error))
        else:
            flash("De vergadering is aangemaakt. Zet nu de agenda erin: importeer de tekst "
                  "van het secretariaat of voeg punten toe.", "success")
            return meeting_page(meeting)
    return form_page(form, None, "Nieuwe vergadering")


@bp.route("/vergaderingen/<int:meeting_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit_meeting(meeting_id: int):
    meeting = meeting_for("change_agenda", meeting_id)
    form = MeetingForm()
    form.body_id.choices = [(meeting.body.id, meeting.body.name)]
    if request.method == "GET":
        form.fill(meeting)
    elif form.validate_on_submit():
        starts_at, ends_at, deadline = times_of(form, meeting.body)
        try:
            changed = services.change_meeting(
                meeting, current_user, starts_at=starts_at, ends_at=ends_at,
                input_deadline=deadline, location=form.location.data.strip(),
                online=form.online.data, note=form.note.data.strip(),
                description=form.description.data.strip())
        except services.MeetingRuleError as error:
            form.date.errors.append(str(error))
        else:
            flash("De wijziging is opgeslagen" + (" en staat in het logboek." if changed else "."),
                  "success")
            return meeting_page(meeting)
    return form_page(form, meeting, "Vergadering wijzigen")


@bp.post("/vergaderingen/<int:meeting_id>/publiceren")
@login_required
def publish(meeting_id: int):
    meeting = meeting_for("change_agenda", meeting_id)
    try:
        count = services.publish_meeting(meeting, current_user)
    except services.MeetingRuleError as error:
        flash(str(error), "error")
    else:
        flash(f"De agenda is gepubliceerd. {count} leden krijgen een e-mail met het verzoek om "
              "inbreng.", "success")
    return meeting_page(meeting)


@bp.route("/vergaderingen/<int:meeting_id>/annuleren", methods=["GET", "POST"])
@login_required
def cancel(meeting_id: int):
    meeting = meeting_for("change_agenda", meeting_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.cancel_meeting(meeting, current_user, form.reason.data.strip())
        except services.MeetingRuleError as error:
            flash(str(error), "error")
        else:
            flash("De vergadering is geannuleerd.", "success")
        return meeting_page(meeting)
    return reason_page(form, meeting, title="Vergadering annuleren",
                       intro="De vergadering blijft zichtbaar, met de reden die u hier geeft.",
                       submit="Vergadering annuleren")
