"""Planning reminder rows: when each active rule of a body is due for a meeting.

Publishing, rescheduling and cancelling a meeting send a signal (consult.meetings.signals)
on which plan_reminders runs; a changed rule re-plans the body's meetings (replan_body).

"1 day before" keeps the local wall-clock time (Europe/Amsterdam): a deadline at 17.00
gets its reminder at 17.00 the day before, also across a DST change (then 23 or 25 hours
before). Whole days of an offset are local days; the rest is exact minutes.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import Body, Meeting
from consult.reminders.models import Anchor, Reminder, ReminderRule, ReminderStatus

DAY = 24 * 60


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def anchor_moment(anchor: Anchor, meeting: Meeting) -> datetime | None:
    return {
        Anchor.PUBLICATION: meeting.published_at,
        Anchor.DEADLINE: meeting.input_deadline,
        Anchor.MEETING_START: meeting.starts_at,
        Anchor.MEETING_END: meeting.ends_at,
    }[anchor]


def shift(moment: datetime, offset_minutes: int) -> datetime:
    """`moment` moved by whole local days (same wall-clock time in TIMEZONE, also
    across DST) and then by the remaining exact minutes."""
    sign = -1 if offset_minutes < 0 else 1
    days, minutes = divmod(abs(offset_minutes), DAY)
    local = moment.astimezone(zone())
    moved = datetime.combine(local.date() + timedelta(days=sign * days), local.time(),
                             tzinfo=zone()).replace(fold=local.fold)
    return moved.astimezone(UTC) + timedelta(minutes=sign * minutes)


def due_time(rule: ReminderRule, meeting: Meeting) -> datetime | None:
    moment = anchor_moment(rule.anchor, meeting)
    return None if moment is None else shift(moment, rule.offset_minutes)


def wanted_moments(meeting: Meeting) -> set[tuple[int, datetime]]:
    """(rule id, due moment) for every active rule of the meeting's body."""
    rules = db.session.scalars(select(ReminderRule).where(
        ReminderRule.body_id == meeting.body_id, ReminderRule.active.is_(True)))
    wanted = set()
    for rule in rules:
        due = due_time(rule, meeting)
        if due is not None:
            wanted.add((rule.id, due))
    return wanted


def cancel_planned(rows: list[Reminder], note: str, now: datetime) -> int:
    cancelled = 0
    for row in rows:
        if row.status == ReminderStatus.PLANNED:
            row.status, row.note, row.processed_at = ReminderStatus.CANCELLED, note, now
            cancelled += 1
    return cancelled


def plan_reminders(meeting: Meeting, now: datetime | None = None, **_signal) -> dict[str, int]:
    """(Re)plan the meeting's reminder rows from its body's active rules.

    Planned rows whose moment no longer holds (a moved date, a changed or deactivated
    rule, a cancelled meeting) are cancelled; new moments get new rows. A moment that is
    already past when planned is recorded as skipped, so publishing late does not fire a
    burst of old reminders. Runs in the caller's transaction (on the meetings' signals).
    """
    now = now or utcnow()
    db.session.flush()
    rows = list(db.session.scalars(select(Reminder).where(Reminder.meeting_id == meeting.id)))
    if meeting.cancelled_at is not None or meeting.published_at is None:
        reason = "vergadering geannuleerd" if meeting.cancelled_at else "niet gepubliceerd"
        return {"planned": 0, "cancelled": cancel_planned(rows, reason, now)}
    wanted = wanted_moments(meeting)
    stale = [row for row in rows if (row.rule_id, row.due_at) not in wanted]
    counts = {"planned": 0,
              "cancelled": cancel_planned(stale, "vervallen: datum of regel gewijzigd", now)}
    by_key = {(row.rule_id, row.due_at): row for row in rows}
    for rule_id, due in sorted(wanted, key=lambda key: (key[1], key[0])):
        row = by_key.get((rule_id, due))
        if row is not None and row.status != ReminderStatus.CANCELLED:
            continue  # planned, sent or skipped before: nothing to do
        if row is None:
            row = Reminder(meeting_id=meeting.id, rule_id=rule_id, due_at=due, planned_at=now)
            db.session.add(row)
        row.planned_at, row.claimed_at = now, None
        if due < now:
            row.status, row.processed_at = ReminderStatus.SKIPPED, now
            row.note = "lag bij het plannen al in het verleden"
        else:
            row.status, row.processed_at, row.note = ReminderStatus.PLANNED, None, ""
            counts["planned"] += 1
    return counts


def replan_body(body: Body, now: datetime | None = None) -> None:
    """After a rule changed: re-plan every published meeting of the body that is not
    over yet."""
    now = now or utcnow()
    db.session.flush()
    meetings = db.session.scalars(select(Meeting).where(
        Meeting.body_id == body.id, Meeting.published_at.is_not(None),
        Meeting.cancelled_at.is_(None), Meeting.ends_at > now - timedelta(days=30)))
    for meeting in meetings:
        plan_reminders(meeting, now)
