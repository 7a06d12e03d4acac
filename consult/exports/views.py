"""Export a meeting's inbreng (with progress while it is made) and send it to the
secretariat. Only the body's delegates and admins; the job's meeting decides."""

from flask import Blueprint, Flask, abort, redirect, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import Gone
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from consult.accounts.forms import DutchForm
from consult.exports import services
from consult.exports.models import ExportFormat, ExportJob, ExportStatus
from consult.extensions import db
from consult.meetings.models import Meeting
from consult.meetings.services import meeting_title
from consult.pages import render_page, wants_fragment
from consult.permissions import can_manage_meetings

bp = Blueprint("exports", __name__)


class ExportForm(DutchForm):
    format = RadioField(
        "Bestandsformaat",
        choices=[SelectChoice(f.value, label) for f, label in services.FORMAT_LABELS.items()],
        default=ExportFormat.DOCX.value,
        validators=[InputRequired("Kies een bestandsformaat.")],
    )
    with_appendix = BooleanField(
        "Met bijlage: alle inbreng per agendapunt",
        description="Niet bij CSV: dat bestand bevat altijd alle inbreng.")
    with_names = BooleanField(
        "Met namen", default=True,
        description="Naam, gemeente en organisatie bij de inbreng (bijlage en CSV). "
                    "Zonder namen blijft alleen de inbreng zelf over.")


class SecretariatForm(DutchForm):
    note = TextAreaField(
        "Extra tekst (niet verplicht)",
        validators=[Length(max=1000, message="Hoogstens 1000 tekens.")],
        description="Komt in de begeleidende e-mail, bijvoorbeeld dat u de vergadering "
                    "niet kunt bijwonen.")


class ExportGone(Gone):
    dutch_description = ("Dit bestand is niet meer beschikbaar: exports worden na een dag "
                         "opgeruimd. Maak een nieuwe export.")


def managed_meeting(meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not can_manage_meetings(current_user, meeting.body):
        abort(403)
    return meeting


def managed_job(job_id: int) -> ExportJob:
    job = db.get_or_404(ExportJob, job_id)
    if not can_manage_meetings(current_user, job.meeting.body):
        abort(403)
    return job


def export_page(meeting: Meeting, *, form: ExportForm | None = None,
                send_form: SecretariatForm | None = None, job: ExportJob | None = None,
                error: str = "", send_error: str = "", status: int = 200,
                block: str = "content"):
    return render_page(
        "exports/export.html", block=block, status=status, meeting=meeting,
        form=form or ExportForm(formdata=None),
        send_form=send_form or SecretariatForm(formdata=None), job=job, error=error,
        send_error=send_error, title=f"Exporteren en versturen: {meeting_title(meeting)}",
        **job_context(job))


def job_context(job: ExportJob | None, sending: bool = False) -> dict:
    """What _job.html needs; `sending`: the job sends to the secretariat (wording only)."""
    if job is None:
        return {}
    sent = services.sent_message(job)
    return {"stuck": services.is_stuck(job), "available": services.job_path(job) is not None,
            "STATUS": ExportStatus, "format_label": services.FORMAT_LABELS[job.format],
            "sent": sent, "sending": sending or sent is not None}


@bp.get("/vergaderingen/<int:meeting_id>/exporteren")
@login_required
def export_form(meeting_id: int):
    return export_page(managed_meeting(meeting_id))


@bp.post("/vergaderingen/<int:meeting_id>/exporteren")
@login_required
def start_export(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    form = ExportForm()
    if not form.validate():
        error = "Kies een bestandsformaat." if form.format.errors else (
            next(iter(form.errors.values()))[0])
        return export_page(meeting, form=form, error=error, status=422,
                           block="status" if wants_fragment() else "content")
    export_format = ExportFormat(form.format.data)
    job = services.create_export(
        meeting, current_user, export_format,
        with_appendix=form.with_appendix.data and export_format != ExportFormat.CSV,
        with_names=form.with_names.data)
    db.session.commit()
    services.start_export(job.id)
    if wants_fragment():
        return export_page(meeting, form=form, job=job, block="status")
    return redirect(url_for("exports.job", job_id=job.id), 303)


@bp.get("/exports/<int:job_id>")
@login_required
def job(job_id: int):
    job = managed_job(job_id)
    sending = request.args.get("versturen") == "1"
    return render_page("exports/job.html", block="job", job=job, meeting=job.meeting,
                       title=f"Export: {meeting_title(job.meeting)}",
                       **job_context(job, sending))


@bp.get("/exports/<int:job_id>/bestand")
@login_required
def download(job_id: int):
    job = managed_job(job_id)
    if job.status != ExportStatus.DONE:
        abort(404)
    path = services.job_path(job)
    if path is None:
        raise ExportGone()
    response = send_file(path, mimetype=services.mime_type(job), as_attachment=True,
                         download_name=job.filename, max_age=0)
    response.cache_control.private = True
    return response


@bp.post("/vergaderingen/<int:meeting_id>/naar-secretariaat")
@login_required
def send_to_secretariat(meeting_id: int):
    """Make the DOCX and PDF outside the request and send them; the answer polls like
    an export and then says where it went."""
    meeting = managed_meeting(meeting_id)
    form = SecretariatForm()
    block = "send_status" if wants_fragment() else "content"
    if not form.validate():
        return export_page(meeting, send_form=form, status=422, block=block,
                           send_error=next(iter(form.errors.values()))[0])
    try:
        job = services.create_sending(meeting, current_user)
    except services.ExportError as error:
        db.session.rollback()
        return export_page(meeting, send_form=form, send_error=str(error), status=422,
                           block=block)
    db.session.commit()
    services.start_export(job.id, send_note=form.note.data or "")
    if wants_fragment():
        return render_page("exports/export.html", block="send_status", meeting=meeting,
                           job=job, send_form=form, **job_context(job, sending=True))
    return redirect(url_for("exports.job", job_id=job.id, versturen=1), 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
