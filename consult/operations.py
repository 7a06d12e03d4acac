"""What the admin's status page shows: the scheduler (is it ticking, its last ticks),
the outbox by status, and the background jobs (exports, reminder fan-outs) that wait,
run or failed. Reads only."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from consult import ticks
from consult.database import utcnow
from consult.exports.models import ExportJob, ExportStatus
from consult.extensions import db
from consult.mail.admin import status_counts
from consult.mail.models import OutboxStatus
from consult.reminders.models import Reminder, ReminderStatus

RECENT = timedelta(days=7)  # failed jobs older than this are history, not a problem
# What a tick's counts mean, in the page's words (unknown names are shown as they are).
TICK_LABELS = {
    "sent": "verstuurd", "failed": "mislukt", "retried": "later opnieuw",
    "released": "vastgelopen vrijgegeven", "held": "onzeker",
    "reminders": "herinneringen klaargezet", "skipped": "overgeslagen",
    "cancelled": "vervallen", "resumed": "herinneringen hervat",
    "reminders_failed": "herinneringen mislukt", "digests": "dagoverzichten",
    "imap": "uit de mailbox", "replies_processed": "antwoorden verwerkt",
    "replies_held": "antwoorden vastgehouden", "replies_ignored": "antwoorden genegeerd",
    "exports": "exports gemaakt", "exports_resumed": "exports hervat",
    "exports_failed": "exports mislukt",
}


@dataclass
class Status:
    scheduler: ticks.SchedulerState
    ticks: list[ticks.SchedulerTick]
    mail: dict[OutboxStatus, int]
    exports: dict[ExportStatus, int]
    reminders: dict[ReminderStatus, int]
    now: datetime

    @property
    def last_seen_seconds(self) -> int | None:
        return ticks.seconds_since(self.scheduler.last_seen, self.now)

    @property
    def oldest_pending_minutes(self) -> int | None:
        seconds = ticks.seconds_since(self.scheduler.oldest_pending, self.now)
        return None if seconds is None else seconds // 60


def job_counts(model, statuses, failed, finished_column, now: datetime) -> dict:
    """Counts per status of `model`; the failed ones of the last week only."""
    counts = dict(db.session.execute(
        select(model.status, func.count()).where(model.status.in_(statuses))
        .group_by(model.status)).all())
    counts[failed] = db.session.scalar(select(func.count()).select_from(model).where(
        model.status == failed, finished_column >= now - RECENT))
    return {status: counts.get(status, 0) for status in (*statuses, failed)}


def current_status(now: datetime | None = None) -> Status:
    now = now or utcnow()
    return Status(
        scheduler=ticks.scheduler_state(now), ticks=ticks.recent_ticks(), mail=status_counts(),
        exports=job_counts(ExportJob, (ExportStatus.QUEUED, ExportStatus.RUNNING),
                           ExportStatus.FAILED, ExportJob.finished_at, now),
        reminders=job_counts(Reminder, (ReminderStatus.SENDING,), ReminderStatus.FAILED,
                             Reminder.processed_at, now),
        now=now)
