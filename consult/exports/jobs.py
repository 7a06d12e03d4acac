"""Export jobs in the scheduler's tick, with the claim rules of the outbox.

- A queued job is claimed by one conditional UPDATE (queued -> running, counting the
  attempt), stamped with the real time; on PostgreSQL the row is locked first, SKIP
  LOCKED, so two schedulers take different jobs.
- While the file is made the claim is renewed (every progress step, and a heartbeat
  thread every quarter of EXPORT_STUCK_MINUTES), so only a process that died loses it.
- A claim older than EXPORT_STUCK_MINUTES is released: the job is queued again and made
  anew, or, after EXPORT_MAX_ATTEMPTS claims, failed with a Dutch message. Every write of
  a run is conditional on its own claim, so a run that lost it keeps nothing (no second
  file, no second mail to the secretariat).
"""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from consult.database import utcnow
from consult.exports.models import ExportJob, ExportStatus
from consult.exports.services import ClaimLost, build_job, fail_job
from consult.extensions import db
from consult.heartbeat import Heartbeat

log = logging.getLogger("consult.exports")

GAVE_UP = ("De export is {tries} keer afgebroken en daarna gestopt. Probeer het opnieuw; "
           "lukt het dan nog niet, neem contact op met de beheerder.")


def stuck_after() -> timedelta:
    return timedelta(minutes=current_app.config["EXPORT_STUCK_MINUTES"])


def release_stuck_jobs() -> tuple[int, int]:
    """Running jobs whose claim is too old (their process died): queued again, or failed
    after EXPORT_MAX_ATTEMPTS. Returns (released, failed)."""
    stale = (ExportJob.status == ExportStatus.RUNNING,
             ExportJob.claimed_at < utcnow() - stuck_after())
    tries = current_app.config["EXPORT_MAX_ATTEMPTS"]
    failed = db.session.execute(
        update(ExportJob).where(*stale, ExportJob.attempts >= tries)
        .values(status=ExportStatus.FAILED, finished_at=utcnow(),
                error=GAVE_UP.format(tries=tries))).rowcount
    released = db.session.execute(
        update(ExportJob).where(*stale)
        .values(status=ExportStatus.QUEUED, progress=0)).rowcount
    db.session.commit()
    if released or failed:
        log.warning("export jobs stuck in running: %s released, %s failed", released, failed)
    return released, failed


def claim_next_job() -> tuple[int, int] | None:
    """(job id, attempt) of the oldest queued job, claimed by this process; None when
    there is none (or another process took it first)."""
    job_id = db.session.scalar(
        select(ExportJob.id).where(ExportJob.status == ExportStatus.QUEUED)
        .order_by(ExportJob.id).limit(1).with_for_update(skip_locked=True))
    attempt = None
    if job_id is not None:
        attempt = db.session.scalar(
            update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.status == ExportStatus.QUEUED)
            .values(status=ExportStatus.RUNNING, claimed_at=utcnow(), progress=5,
                    attempts=ExportJob.attempts + 1)
            .returning(ExportJob.attempts).execution_options(synchronize_session=False))
    db.session.commit()
    return None if attempt is None else (job_id, attempt)


def renew(job_id: int, attempt: int) -> None:
    db.session.execute(update(ExportJob).where(
        ExportJob.id == job_id, ExportJob.attempts == attempt,
        ExportJob.status == ExportStatus.RUNNING).values(claimed_at=utcnow()))


def run_claimed(job_id: int, attempt: int) -> str:
    """Make one claimed job: "done", "failed" (an error fails the job: it is the job's,
    not the process's) or "lost" (another process took it over and finishes it)."""
    app = current_app._get_current_object()
    beat = stuck_after().total_seconds() / 4
    try:
        with Heartbeat(app, lambda: renew(job_id, attempt), beat, name=f"export-{job_id}"):
            done = build_job(job_id, attempt)
    except ClaimLost:
        db.session.rollback()
        done = False
    except Exception as error:
        log.exception("export job %s failed", job_id)
        db.session.rollback()
        fail_job(job_id, error, attempt)
        return "failed"
    if not done:
        log.warning("export job %s was taken over by another process", job_id)
    return "done" if done else "lost"


def run_export_jobs(limit: int = 20) -> dict[str, int]:
    """The tick's step: release stuck jobs, then make up to `limit` queued ones."""
    released, failed = release_stuck_jobs()
    counts = {"exports": 0, "exports_resumed": released, "exports_failed": failed}
    for _ in range(limit):
        claimed = claim_next_job()
        if claimed is None:
            break
        outcome = run_claimed(*claimed)
        if outcome != "lost":
            counts["exports" if outcome == "done" else "exports_failed"] += 1
    return {name: count for name, count in counts.items() if count}
