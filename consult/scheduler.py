"""The scheduler process: one APScheduler interval job that runs the tick.

Correctness never depends on how many of these run: every step claims its rows
with conditional updates in the database.
"""

import logging
from datetime import datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from consult import ticks
from consult.accounts import throttle
from consult.comments.mail_replies import process_replies
from consult.database import utcnow
from consult.exports.jobs import run_export_jobs
from consult.extensions import db
from consult.heartbeat import Heartbeat
from consult.mail.delivery import deliver_pending
from consult.mail.receiver import poll_imap
from consult.privacy.anonymise import anonymise_expired
from consult.reminders.digests import send_digests
from consult.reminders.firing import process_due_reminders

log = logging.getLogger("consult.scheduler")
TICK_JOB_ID = "consult-tick"
EXPORTS_JOB_ID = "consult-exports"


def run_tick(now: datetime | None = None, exports: bool = True) -> dict[str, int]:
    """One tick, in an app context, as of `now`: turn due reminders into outbox messages
    (or skip or cancel them), send the daily digests once their hour has come, take in
    replies by mail, make the queued exports, anonymise former members past the retention
    period, then deliver every due outbox message.
    The tick is recorded (consult.ticks), beating while it runs, with its counts or error.
    The scheduler process makes exports in a job of their own (`exports=False` here), so
    a long delivery never keeps an export waiting, nor an export the mail.

    Returns the messages sent and failed, plus the other counts that are not zero
    (reminders, skipped, cancelled, digests, exports, anonymised, retried, released, held: sent with
    no answer).
    """
    tick_id = ticks.start_tick()
    app = current_app._get_current_object()
    try:
        with Heartbeat(app, lambda: ticks.beat(tick_id), app.config["SCHEDULER_INTERVAL_SECONDS"],
                       name="tick"):
            result = tick_steps(now, exports)
    except Exception as error:
        db.session.rollback()
        try:  # the record must not hide the error (the database may be what failed)
            ticks.finish_tick(tick_id, {}, error=f"{type(error).__name__}: {error}")
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("recording the failed tick failed")
        raise
    ticks.finish_tick(tick_id, result)
    return result


def tick_steps(now: datetime | None, exports: bool = True) -> dict[str, int]:
    as_of = now
    now = now or utcnow()
    counts = process_due_reminders(now)
    counts["digests"] = send_digests(now)
    counts.update(receive_replies(now))
    if exports:
        counts.update(run_export_jobs())
    # Former members past the retention period (AVG); before delivery, so nothing more
    # goes to their old address.
    counts["anonymised"] = anonymise_expired(now)
    counts["throttle_pruned"] = throttle.prune(now)
    # The real clock by default: what this tick just queued is due in this tick too.
    report = deliver_pending(as_of or utcnow())
    counts.update(retried=report.retried, released=report.released, held=report.held)
    result = {"sent": report.sent, "failed": report.failed}
    result.update({name: count for name, count in counts.items() if count})
    return result


def receive_replies(now: datetime) -> dict[str, int]:
    """Poll the IMAP mailbox (when configured) and turn received replies into input;
    before delivery, so their confirmations go out in the same tick. A mailbox that
    cannot be reached does not stop the tick (the messages wait there)."""
    counts = {}
    try:
        counts["imap"] = poll_imap()
    except Exception:  # noqa: BLE001 - imaplib, ssl and socket errors alike
        db.session.rollback()
        log.exception("IMAP poll failed")
    counts.update(process_replies(now))
    return counts


def run_scheduler(app: Flask) -> None:
    """Two interval jobs in one process (APScheduler runs them in threads of its pool):
    the tick, and the export jobs, each at most once at a time."""
    def job(name: str, work):
        def run():
            with app.app_context():
                try:
                    result = work()
                except Exception:  # a failed run must not stop the scheduler
                    log.exception("%s failed", name)
                else:
                    if any(result.values()):
                        log.info("%s: %s", name, result)
        return run

    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per job run is noise
    scheduler = BlockingScheduler(timezone="UTC")
    for job_id, name, work in ((TICK_JOB_ID, "tick", lambda: run_tick(exports=False)),
                               (EXPORTS_JOB_ID, "exports", run_export_jobs)):
        scheduler.add_job(job(name, work), "interval",
                          seconds=app.config["SCHEDULER_INTERVAL_SECONDS"], id=job_id,
                          next_run_time=utcnow(), max_instances=1, coalesce=True)
    log.info("scheduler started: tick every %s s", app.config["SCHEDULER_INTERVAL_SECONDS"])
    scheduler.start()
