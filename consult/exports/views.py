"""Export a meeting's inbreng (with progress while it is made) and send it to the
secretariat. Only the body's delegates and admins; the job's meeting decides."""

import io

from flask import Blueprint, Flask, abort, redirect, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import Gone

from consult.exports import services
from consult.exports.forms import ExportForm, SecretariatForm
from consult.exports.models import ExportFormat, ExportJob, ExportStatus
from consult.meetings.models import Meeting
from consult.meetings.services import meeting_title
from consult.pages import render_page, wants_fragment
from consult.permissions import job_for, meeting_for

bp = Blueprint("exports", __name__)


class ExportGone(Gone):
    dutch_description = services.GONE


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
    stuck = services.is_stuck(job)
    return {"stuck": stuck, "stuck_message": services.stuck_message(job) if stuck else "",
            "available": services.has_file(job),
            "STATUS": ExportStatus, "format_label": services.FORMAT_LABELS[job.format],
            "sent": sent, "sending": sending or sent is not None}


@bp.get("/vergaderingen/<int:meeting_id>/exporteren")
@login_required
def export_form(meeting_id: int):
    return export_page(meeting_for("export", meeting_id))


@bp.post("/vergaderingen/<int:meeting_id>/exporteren")
@login_required
def start_export(meeting_id: int):
    meeting = meeting_for("export", meeting_id)
    form = ExportForm()
    if not form.validate():
        return export_page(meeting, form=form, error=form.first_error(), status=422,
                           block="status" if wants_fragment() else "content")
    job = services.create_export(meeting, current_user, ExportFormat(form.format.data),
                                 with_appendix=form.with_appendix.data,
                                 with_names=form.with_names.data)
    if wants_fragment():
        return export_page(meeting, form=form, job=job, block="status")
    return redirect(url_for("exports.job", job_id=job.id), 303)


@bp.get("/exports/<int:job_id>")
@login_required
def job(job_id: int):
    job = job_for("export", job_id)
    sending = request.args.get("versturen") == "1"
    return render_page("exports/job.html", block="job", job=job, meeting=job.meeting,
                       title=f"Export: {meeting_title(job.meeting)}",
                       **job_context(job, sending))


@bp.get("/exports/<int:job_id>/bestand")
@login_required
def download(job_id: int):
    job = job_for("export", job_id)
    try:
        data = services.finished_file(job)
    except services.FileGone:
        raise ExportGone() from None
    if data is None:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype=services.mime_type(job), as_attachment=True,
                         download_name=job.filename, max_age=0)
    response.cache_control.private = True
    return response


@bp.post("/vergaderingen/<int:meeting_id>/naar-secretariaat")
@login_required
def send_to_secretariat(meeting_id: int):
    """Make the DOCX and PDF outside the request and send them; the answer polls like
    an export and then says where it went."""
    meeting = meeting_for("export", meeting_id)
    form = SecretariatForm()
    block = "send_status" if wants_fragment() else "content"
    if not form.validate():
        return export_page(meeting, send_form=form, status=422, block=block,
                           send_error=form.first_error())
    try:
        job = services.create_sending(meeting, current_user, note=form.note.data or "")
    except services.ExportError as error:
        return export_page(meeting, send_form=form, send_error=str(error), status=422,
                           block=block)
    if wants_fragment():
        return render_page("exports/export.html", block="send_status", meeting=meeting,
                           job=job, send_form=form, **job_context(job, sending=True))
    return redirect(url_for("exports.job", job_id=job.id, versturen=1), 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
