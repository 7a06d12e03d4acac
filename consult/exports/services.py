"""Export jobs and sending the inbreng to the secretariat.

An export runs outside the request: the request writes a job row and starts a daemon
thread with its own app context, which builds the file, stores it in `consult.storage`
(the database) under a generated key and keeps status and progress in the row. Any web
worker, on any machine, can then show the progress and serve the file.
"""

import logging
import threading
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import select, update

from consult import storage
from consult.accounts.models import User
from consult.database import utcnow
from consult.exports import documents
from consult.exports.minutes import Minutes, collect_minutes
from consult.exports.models import ExportFormat, ExportJob, ExportStatus
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.mail.services import queue_message
from consult.meetings.models import Meeting
from consult.meetings.services import meeting_title, record_change

log = logging.getLogger("consult.exports")

FORMAT_LABELS = {
    ExportFormat.DOCX: "Word-document (DOCX)",
    ExportFormat.PDF: "PDF",
    ExportFormat.MARKDOWN: "Markdown-tekst (MD)",
    ExportFormat.CSV: "Alle inbreng met markeringen (CSV, voor Excel)",
}
KEEP_FILES = timedelta(days=1)
FAILED = ("De export is mislukt. Probeer het opnieuw; lukt het dan nog niet, neem contact "
          "op met de beheerder.")
GONE = ("Dit bestand is niet meer beschikbaar: exports worden na een dag opgeruimd. Maak "
        "een nieuwe export.")
STUCK = "De export is niet afgerond. Start hem opnieuw."
NO_SECRETARIAT = ("Voor {body} is geen e-mailadres van het secretariaat ingesteld. Een "
                  "beheerder kan het invullen bij Overleggen; er is niets verstuurd.")


class ExportError(ValueError):
    """An action that cannot be done; the message is for the user (Dutch)."""


class FileGone(ExportError):
    """The job's file was cleared up (after a day)."""


def has_file(job: ExportJob) -> bool:
    """The job's file is still there (cleared up after a day)."""
    return storage.has(job.stored_name)


def finished_file(job: ExportJob) -> bytes | None:
    """What a download serves: None while the job is not done (or failed); `FileGone`
    once its file was cleared up."""
    if job.status != ExportStatus.DONE:
        return None
    data = storage.read(job.stored_name)
    if data is None:
        raise FileGone(GONE)
    return data


def store_file(data: bytes, fmt: str) -> str:
    """Keep a finished export (committed with the job's "done"); returns its key."""
    return storage.save(data, f".{fmt}")


def mime_type(job: ExportJob) -> str:
    return documents.MIME_TYPES[job.format.value]


def is_stuck(job: ExportJob, now: datetime | None = None) -> bool:
    """Queued or running for longer than EXPORT_TIMEOUT_MINUTES: its thread is gone
    (e.g. the server restarted), so the page stops polling."""
    minutes = current_app.config.get("EXPORT_TIMEOUT_MINUTES", 10)
    return job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING) and (
        job.created_at < (now or utcnow()) - timedelta(minutes=minutes))


def remove_old_files(now: datetime | None = None) -> int:
    """Files of jobs older than a day go; the rows stay (the page then says so)."""
    cutoff = (now or utcnow()) - KEEP_FILES
    old = db.session.scalars(select(ExportJob).where(
        ExportJob.created_at < cutoff, ExportJob.stored_name.is_not(None))).all()
    for job in old:
        storage.remove(job.stored_name)
        job.stored_name = None
    return len(old)


def create_export(meeting: Meeting, by: User, export_format: ExportFormat, *,
                  with_appendix: bool = False, with_names: bool = True) -> ExportJob:
    """A queued job in the caller's transaction (flushed, so it has its id); start it
    with `start_export` after the commit. A CSV holds all input, so never an appendix."""
    remove_old_files()
    job = ExportJob(meeting=meeting, user_id=by.id, format=export_format,
                    with_appendix=with_appendix and export_format != ExportFormat.CSV,
                    with_names=with_names)
    db.session.add(job)
    db.session.flush()
    return job


def create_sending(meeting: Meeting, by: User) -> ExportJob:
    """A job that makes the PDF and DOCX and sends both to the body's secretariat (start
    it with `start_export(job.id, send_note=...)`). Refused without a secretariat."""
    if not (meeting.body.secretariat_email or "").strip():
        raise ExportError(NO_SECRETARIAT.format(body=meeting.body.name))
    return create_export(meeting, by, ExportFormat.PDF)


def start_export(job_id: int, app: Flask | None = None, send_note: str | None = None
                 ) -> threading.Thread:
    """Run the (committed) job in a daemon thread of its own. With `send_note` (may be
    empty) the result also goes to the secretariat."""
    app = app or current_app._get_current_object()
    thread = threading.Thread(target=run_export, args=(app, job_id, send_note), daemon=True,
                              name=f"export-{job_id}")
    thread.start()
    return thread


def run_export(app: Flask, job_id: int, send_note: str | None = None) -> None:
    with app.app_context():
        try:
            build_job(job_id, send_note)
        except Exception as error:
            log.exception("export job %s failed", job_id)
            db.session.rollback()
            db.session.execute(update(ExportJob).where(ExportJob.id == job_id).values(
                status=ExportStatus.FAILED, finished_at=utcnow(),
                error=str(error) if isinstance(error, ExportError) else FAILED))
            db.session.commit()


def set_progress(job_id: int, percent: int, **values) -> None:
    db.session.execute(update(ExportJob).where(ExportJob.id == job_id)
                       .values(progress=percent, **values))
    db.session.commit()


def build_job(job_id: int, send_note: str | None = None) -> None:
    """Build the job's file; no transaction is open while a document is made (the data
    is read first), so a slow PDF never keeps other writers waiting."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status != ExportStatus.QUEUED:
        return
    set_progress(job_id, 5, status=ExportStatus.RUNNING)
    fmt = job.format.value
    minutes = collect_minutes(
        job.meeting, with_inputs=job.with_appendix or job.format == ExportFormat.CSV,
        with_names=job.with_names)
    minutes.with_appendix = job.with_appendix  # the CSV holds all input anyway
    set_progress(job_id, 10)
    data = documents.BUILDERS[fmt](minutes, lambda percent: set_progress(job_id, percent))
    if send_note is not None:  # builds the DOCX before it writes
        send_to_secretariat(job, minutes, data, send_note)
    stored_name = store_file(data, fmt)
    # The file, the message, the log line and "done" are committed together.
    set_progress(job_id, 100, status=ExportStatus.DONE, stored_name=stored_name,
                 filename=documents.export_filename(minutes, fmt), finished_at=utcnow())


# --- sending to the secretariat -------------------------------------------------------

def secretariat_key(job: ExportJob) -> str:
    """One message per sending job: sending again is a new job, so a new message."""
    return f"secretariat:{job.meeting_id}:{job.id}"


def sent_message(job: ExportJob) -> OutboxMessage | None:
    """The message this job queued for the secretariat, if it was a sending."""
    return db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.idempotency_key == secretariat_key(job)))


def send_to_secretariat(job: ExportJob, minutes: Minutes, pdf: bytes,
                        note: str = "") -> OutboxMessage:
    """Queue one message to the body's secretariat with the minutes as DOCX and PDF and a
    short cover text (replies go to the delegate), and log it; not yet committed."""
    files = [  # made before the database is touched again
        (documents.export_filename(minutes, "docx"), documents.MIME_TYPES["docx"],
         documents.build_docx(minutes)),
        (documents.export_filename(minutes, "pdf"), documents.MIME_TYPES["pdf"], pdf),
    ]
    meeting, by = job.meeting, job.user
    body = meeting.body
    address = (body.secretariat_email or "").strip()
    if not address:
        raise ExportError(NO_SECRETARIAT.format(body=body.name))
    title = meeting_title(meeting)
    message = queue_message(
        idempotency_key=secretariat_key(job),
        kind="secretariat",
        recipient=address,
        subject=f"{body.statement_label} – {title}",
        template="secretariat",
        context={"meeting": meeting, "title": title, "label": body.statement_label,
                 "note": note.strip(), "sender": by, "files": [name for name, _, _ in files]},
        meeting_id=meeting.id,
        headers={"Reply-To": by.email},
        attachments=files,
    )
    record_change(meeting, by, "naar secretariaat gestuurd", note=f"aan {address}")
    return message
