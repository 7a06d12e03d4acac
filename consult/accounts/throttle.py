"""Rate limits counted in the database, so they hold across web workers and machines.

One counter row per key (say "password:address+ip:10.0.0.1 lid@example.org", stored as
its SHA-256: no addresses in this table) for the current fixed window. A slot is taken
with one conditional upsert: it adds one only while the count is below the limit and
answers whether it did, so there is no gap between counting and recording in which
concurrent requests slip past (PostgreSQL locks the row until the request commits;
SQLite has one writer at a time, BEGIN IMMEDIATE). Checks of one key therefore queue up
behind each other, which is the point.

`take(limits)` takes one slot of each limit or none (raising TooManyAttempts);
`give_back(limits)` returns them when the attempt turned out fine (a right password).
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, literal_column, update

from consult.accounts.models import ThrottleCounter
from consult.database import upsert, utcnow
from consult.extensions import db


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after  # seconds until the window that refused ends

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


@dataclass(frozen=True)
class Limit:
    """At most `limit` attempts per `window` under `key`."""

    key: str
    limit: int
    window: timedelta

    @property
    def stored_key(self) -> str:
        return hashlib.sha256(self.key.encode()).hexdigest()

    def window_start(self, now: datetime) -> datetime:
        seconds = int(self.window.total_seconds())
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % seconds, UTC)

    def retry_after(self, now: datetime) -> int:
        end = self.window_start(now) + self.window
        return max(1, int((end - now).total_seconds()))


def _take_one(limit: Limit, now: datetime) -> bool:
    start = limit.window_start(now)
    statement = upsert(db.session, ThrottleCounter).values(key=limit.stored_key, window_start=start, count=1)
    current = ThrottleCounter.__table__.c
    new_window = current.window_start != statement.excluded.window_start
    statement = statement.on_conflict_do_update(
        index_elements=[ThrottleCounter.key],
        set_={
            # A new window starts again at one; the same window adds one.
            "count": case((new_window, 1), else_=current.count + 1),
            "window_start": statement.excluded.window_start,
        },
        where=new_window | (current.count < limit.limit),
    ).returning(literal_column("1"))
    return db.session.execute(statement).first() is not None


def take(limits: list[Limit], now: datetime | None = None) -> None:
    """One slot of every limit, or TooManyAttempts and none taken. Keep the order of
    `limits` the same everywhere (most specific first), so two requests lock rows in
    the same order."""
    now = now or utcnow()
    taken: list[Limit] = []
    for limit in limits:
        if limit.limit <= 0 or not _take_one(limit, now):
            give_back(taken, now)
            raise TooManyAttempts(retry_after=limit.retry_after(now))
        taken.append(limit)


def give_back(limits: list[Limit], now: datetime | None = None) -> None:
    """The attempt did not count after all: one slot back, in the window it was taken."""
    now = now or utcnow()
    for limit in limits:
        db.session.execute(
            update(ThrottleCounter)
            .where(ThrottleCounter.key == limit.stored_key,
                   ThrottleCounter.window_start == limit.window_start(now),
                   ThrottleCounter.count > 0)
            .values(count=ThrottleCounter.count - 1)
            .execution_options(synchronize_session=False)
        )


def prune(now: datetime | None = None, keep: timedelta = timedelta(days=1)) -> int:
    """Counters of windows long over (the scheduler's tick); returns how many went."""
    now = now or utcnow()
    return db.session.execute(
        delete(ThrottleCounter).where(ThrottleCounter.window_start < now - keep)
        .execution_options(synchronize_session=False)
    ).rowcount
