"""Export jobs and sending the inbreng to the secretariat.

An export runs outside the request: the request only writes a queued job row; the
scheduler's tick claims it (`exports.jobs`) and `build_job` makes the file, stores it in
`consult.storage` (the database) under a generated key (`store_file`) and keeps status
and progress in the row. Any web worker, on any machine, can then show the progress and
serve the file.
"""

import logging
from datetime import datetime, timedelta

from flask import current_app
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
from consult.ticks import scheduler_state

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
NOT_STARTED = ("De export is nog niet gestart: de achtergrondverwerking draait niet. De "
               "beheerder ziet dit op de statuspagina; probeer het later opnieuw.")
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
    """Queued for longer than EXPORT_TIMEOUT_MINUTES while the scheduler is late (nothing
    will take it), or running with a claim older than EXPORT_STUCK_MINUTES (its process
    died and no scheduler has taken it up yet): the page stops polling and says so."""
    now = now or utcnow()
    config = current_app.config
    if job.status == ExportStatus.QUEUED:
        return job.created_at < now - timedelta(
            minutes=config["EXPORT_TIMEOUT_MINUTES"]) and scheduler_state(now).late
    if job.status == ExportStatus.RUNNING:
        return (job.claimed_at or job.created_at) < now - timedelta(
            minutes=config["EXPORT_STUCK_MINUTES"])
    return False


def stuck_message(job: ExportJob) -> str:
    return NOT_STARTED if job.status == ExportStatus.QUEUED else STUCK


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
                  with_appendix: bool = False, with_names: bool = True,
                  send_note: str | None = None) -> ExportJob:
    """A queued job in the caller's transaction (flushed, so it has its id); the
    scheduler's next tick makes it. A CSV holds all input, so never an appendix. With
    `send_note` (may be empty) the result also goes to the secretariat."""
    remove_old_files()
    job = ExportJob(meeting=meeting, user_id=by.id, format=export_format,
                    with_appendix=with_appendix and export_format != ExportFormat.CSV,
                    with_names=with_names, send_note=send_note)
    db.session.add(job)
    db.session.flush()
    return job


def create_sending(meeting: Meeting, by: User, note: str = "") -> ExportJob:
    """A job that makes the PDF and DOCX and sends both to the body's secretariat.
    Refused without a secretariat."""
    if not (meeting.body.secretariat_email or "").strip():
        raise ExportError(NO_SECRETARIAT.format(body=meeting.body.name))
    return create_export(meeting, by, ExportFormat.PDF, send_note=note)


def set_progress(job_id: int, percent: int, attempt: int | None = None, **values) -> bool:
    """Progress (and other values) of the job, committed; with `attempt`, only while
    that claim still holds it. Also renews the claim."""
    condition = [ExportJob.id == job_id]
    if attempt is not None:
        condition += [ExportJob.attempts == attempt, ExportJob.status == ExportStatus.RUNNING]
    changed = db.session.execute(update(ExportJob).where(*condition).values(
        progress=percent, claimed_at=utcnow(), **values)).rowcount == 1
    if changed:
        db.session.commit()
    else:
        db.session.rollback()
    return changed


class ClaimLost(Exception):
    """Another process took the job over (this one was thought dead): stop."""


def progress_of(job_id: int, attempt: int):
    def report(percent: int) -> None:
        if not set_progress(job_id, percent, attempt):
            raise ClaimLost(job_id)
    return report


def build_job(job_id: int, attempt: int) -> bool:
    """Make the file of a job this process claimed (`attempt`: its claim). No transaction
    is open while a document is made (the data is read first), so a slow PDF never keeps
    other writers waiting. False when the claim was lost (another process took the job
    over): then nothing of this run is kept."""
    job = db.session.get(ExportJob, job_id, populate_existing=True)
    if job is None or job.status != ExportStatus.RUNNING or job.attempts != attempt:
        db.session.rollback()
        return False
    fmt, send_note = job.format.value, job.send_note
    minutes = collect_minutes(
        job.meeting, with_inputs=job.with_appendix or job.format == ExportFormat.CSV,
        with_names=job.with_names)
    minutes.with_appendix = job.with_appendix  # the CSV holds all input anyway
    progress = progress_of(job_id, attempt)
    progress(10)
    data = documents.BUILDERS[fmt](minutes, progress)
    stored_name = store_file(data, fmt)  # rolled back with the rest when the claim is lost
    job = db.session.get(ExportJob, job_id, populate_existing=True)
    if send_note is not None:
        send_to_secretariat(job, minutes, data, send_note)
    # The message, the log line and "done" are committed together, or not at all.
    return set_progress(job_id, 100, attempt, status=ExportStatus.DONE,
                        stored_name=stored_name, finished_at=utcnow(),
                        filename=documents.export_filename(minutes, fmt))


def fail_job(job_id: int, error: Exception, attempt: int | None = None) -> None:
    """Failed, with a Dutch message for the page (never the exception's own text)."""
    condition = [ExportJob.id == job_id, ExportJob.status == ExportStatus.RUNNING]
    if attempt is not None:
        condition.append(ExportJob.attempts == attempt)
    db.session.execute(update(ExportJob).where(*condition).values(
        status=ExportStatus.FAILED, finished_at=utcnow(),
        error=str(error) if isinstance(error, ExportError) else FAILED))
    db.session.commit()


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
