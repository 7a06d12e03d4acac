"""What the scheduler did: one row per tick (started, last seen alive, finished, what it
did, the error if it failed), a bounded history, and whether the scheduler is late.

A tick's row is written when it starts and beats (`seen_at`) while it runs, so a long
tick (a big fan-out, a slow PDF) still shows a living scheduler, and a killed one stops
showing. Late means: not seen for SCHEDULER_LATE_INTERVALS intervals. Before any tick
was recorded, the clock starts when this app started, so a fresh install (and a test
that runs no scheduler) is not late until its scheduler has had time to tick.
"""

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, Text, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from consult.database import UTCDateTime, utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage, OutboxStatus

STARTED_KEY = "consult.started_at"


class SchedulerTick(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    process: Mapped[str] = mapped_column(String(120), default="")
    # The tick's counts as JSON ({"sent": 3, "reminders": 1, ...}).
    result: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")

    @property
    def counts(self) -> dict[str, int]:
        return json.loads(self.result) if self.result else {}

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def start_tick() -> int:
    """A committed row for the tick that starts now."""
    now = utcnow()
    tick = SchedulerTick(started_at=now, seen_at=now,
                         process=f"{socket.gethostname()}:{os.getpid()}"[:120])
    db.session.add(tick)
    db.session.commit()
    return tick.id


def beat(tick_id: int) -> None:
    db.session.execute(update(SchedulerTick).where(SchedulerTick.id == tick_id)
                       .values(seen_at=utcnow()))


def finish_tick(tick_id: int, result: dict[str, int], error: str = "") -> None:
    """Record the outcome and keep only the last SCHEDULER_TICK_HISTORY rows."""
    now = utcnow()
    db.session.execute(update(SchedulerTick).where(SchedulerTick.id == tick_id).values(
        finished_at=now, seen_at=now, result=json.dumps(result), error=error[:4000]))
    keep = current_app.config["SCHEDULER_TICK_HISTORY"]
    db.session.execute(delete(SchedulerTick).where(SchedulerTick.id <= tick_id - keep)
                       .execution_options(synchronize_session=False))
    # Bookkeeping only: what the tick left loaded for its caller stays as it was.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit


def recent_ticks(limit: int = 20) -> list[SchedulerTick]:
    return list(db.session.scalars(
        select(SchedulerTick).order_by(SchedulerTick.id.desc()).limit(limit)))


@dataclass
class SchedulerState:
    last: SchedulerTick | None  # the latest tick (maybe still running)
    last_seen: datetime | None
    late: bool
    late_after: timedelta
    oldest_pending: datetime | None  # created_at of the oldest pending message

    def as_json(self, now: datetime) -> dict:
        last = self.last
        return {
            "status": "late" if self.late else ("waiting" if last is None else "ok"),
            "last_tick_started": last.started_at.isoformat() if last else None,
            "last_tick_finished": (last.finished_at.isoformat()
                                   if last and last.finished_at else None),
            "last_tick_error": bool(last and last.error),
            "last_seen_seconds_ago": seconds_since(self.last_seen, now),
            "late_after_seconds": int(self.late_after.total_seconds()),
            "oldest_pending_message_seconds": seconds_since(self.oldest_pending, now),
        }


def seconds_since(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(int((now - moment).total_seconds()), 0)


def scheduler_state(now: datetime | None = None) -> SchedulerState:
    now = now or utcnow()
    interval = current_app.config["SCHEDULER_INTERVAL_SECONDS"]
    late_after = timedelta(seconds=interval * current_app.config["SCHEDULER_LATE_INTERVALS"])
    last = db.session.scalar(select(SchedulerTick).order_by(SchedulerTick.id.desc()).limit(1))
    last_seen = db.session.scalar(select(func.max(SchedulerTick.seen_at)))
    since = last_seen or current_app.extensions.get(STARTED_KEY, now)
    oldest = db.session.scalar(select(func.min(OutboxMessage.created_at)).where(
        OutboxMessage.status == OutboxStatus.PENDING))
    return SchedulerState(last=last, last_seen=last_seen, late=now - since > late_after,
                          late_after=late_after, oldest_pending=oldest)
