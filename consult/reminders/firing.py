"""Firing reminders: the scheduler tick claims each due row and fans its message out
to the audience as of now, as outbox messages or digest entries.

- A reminder is claimed by one conditional UPDATE (planned -> sending, or straight to
  skipped/cancelled): two processes can never both take it. Its messages are written
  in chunks of FANOUT_CHUNK recipients, each its own transaction, so delivery starts
  with the first chunk and no transaction holds SQLite's write lock for the whole
  audience; then it becomes sent. A process that dies halfway leaves it "sending":
  after REMINDER_STUCK_MINUTES it is planned again and fired anew.
- Every message has an idempotency key (unique in the outbox); inserting one that exists
  is a no-op, so a repeated or resumed producer never queues a message twice.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from markupsafe import escape
from sqlalchemy import select, update

from consult.comments.services import responded_items_by_member
from consult.database import utcnow
from consult.extensions import db
from consult.mail.opt_out import list_unsubscribe_headers
from consult.mail.services import add_once, queue_messages_once
from consult.mail.tokens import reply_addresses
from consult.meetings.calendar import meeting_calendar, meeting_filename
from consult.meetings.models import Meeting
from consult.meetings.services import meeting_title
from consult.pages import deadline_in_words, external_url, format_date
from consult.reminders.audience import (
    Recipient,
    audience,
    condition_holds,
    constituency,
    input_count,
    items_not_final,
    open_items,
    responder_ids,
)
from consult.reminders.models import (
    Audience,
    DigestEntry,
    PreferenceMode,
    Reminder,
    ReminderPreference,
    ReminderRule,
    ReminderStatus,
)
from consult.reminders.planning import due_time
from consult.reminders.preferences import effective_mode, unsubscribe_token

log = logging.getLogger("consult.reminders")

FANOUT_CHUNK = 500


# --- the message ------------------------------------------------------------------------

def fill_in(text: str, meeting: Meeting) -> str:
    return (text.replace("{vergadering}", meeting_title(meeting))
            .replace("{overleg}", meeting.body.name)
            .replace("{deadline}", format_date(meeting.input_deadline, with_time=True)))


def shared_context(rule: ReminderRule, meeting: Meeting, now: datetime) -> dict:
    items = open_items(meeting)
    context = {
        "meeting": meeting, "rule": rule, "title": meeting_title(meeting), "open_items": items,
        "url": external_url("meetings.meeting", meeting_id=meeting.id),
        "intro": fill_in(rule.message, meeting),
        "deadline_words": deadline_in_words(meeting.input_deadline, now),
        "deadline_open": now < meeting.input_deadline,
        "item_links": {item.id: external_url("meetings.item", item_id=item.id)
                       for item in items},
        "preferences_url": external_url("accounts.account") + "#herinneringen-kop",
    }
    if rule.audience == Audience.DELEGATES:
        responded = responder_ids(meeting)
        context.update(input_count=input_count(meeting), responder_count=len(responded),
                       member_count=len(constituency(meeting)),
                       not_final=items_not_final(meeting))
    return context


def personal_context(recipient: Recipient, rule: ReminderRule, meeting: Meeting,
                     shared: dict, responses: dict[int, set[int]]) -> dict:
    """`responses`: the items each member responded to (responded_items_by_member)."""
    user = recipient.user
    awaiting = []
    if rule.audience not in (Audience.DELEGATES, Audience.CHAIRS):
        done = responses.get(user.id, set())
        awaiting = [item for item in shared["open_items"] if item.id not in done]
    return {**shared, "user": user, "awaiting": awaiting,
            "region": user.chairs_region, "names": recipient.region_non_responders,
            "unsubscribe_url": external_url("reminders.unsubscribe",
                                            token=unsubscribe_token(user.id, meeting.body_id))}


class Placeholders:
    """A reminder's text and HTML rendered once per shape of message (the items still
    awaiting the member's input, a chair's list, whether replying works), with
    placeholders for what is the member's own (name, unsubscribe link), filled in per
    message: rendering both templates for each of 10,000 members was most of a
    fan-out's time. tests/test_reminders_services.py compares it with rendering each."""

    NAME, UNSUBSCRIBE = "\x1fconsult-name\x1f", "\x1fconsult-unsubscribe\x1f"

    class User:
        """Stands in for the member: the templates may use her name, nothing else."""

        def __init__(self, name: str):
            self.name = name

        def __getattr__(self, attribute):
            # Not AttributeError (Jinja would print nothing): the shape must grow instead.
            raise RuntimeError(f"reminder template uses user.{attribute}: add it to "
                               "Placeholders.shape")

    def __init__(self, subject: str):
        self.subject = subject
        self.rendered: dict[tuple, tuple[str, str]] = {}

    @staticmethod
    def shape(context: dict) -> tuple:
        return (tuple(item.id for item in context["awaiting"]),
                getattr(context["region"], "id", None),
                tuple(person.id for person in context["names"] or ()),
                bool(context.get("reply_address")))

    def bodies(self, context: dict) -> tuple[str, str]:
        key = self.shape(context)
        if key not in self.rendered:
            blank = {**context, "user": self.User(self.NAME), "unsubscribe_url": self.UNSUBSCRIBE}
            self.rendered[key] = (
                render_template("emails/reminder.txt", **blank),
                render_template("emails/reminder.html", subject=self.subject, **blank))
        text, html = self.rendered[key]
        name, url = context["user"].name, context["unsubscribe_url"]
        return (text.replace(self.NAME, name).replace(self.UNSUBSCRIBE, url),
                html.replace(self.NAME, str(escape(name))).replace(self.UNSUBSCRIBE,
                                                                   str(escape(url))))


def reminder_key(rule_id: int, meeting_id: int, user_id: int, due: datetime) -> str:
    return f"reminder:{rule_id}:{meeting_id}:{user_id}:{due.isoformat()}"


# --- claiming ------------------------------------------------------------------------

def claim(reminder_id: int, status: ReminderStatus, now: datetime, note: str = "") -> bool:
    """planned -> `status`, only if still planned: exactly one process wins."""
    return db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.PLANNED)
        .values(status=status, claimed_at=now, processed_at=now, note=note)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def verdict(reminder: Reminder, now: datetime) -> tuple[ReminderStatus, str]:
    """What happens to a due reminder: sent, or why it is cancelled or skipped."""
    rule, meeting = reminder.rule, reminder.meeting
    if rule is None or not rule.active:
        return ReminderStatus.CANCELLED, "regel verwijderd of uitgezet"
    if meeting.cancelled_at is not None:
        return ReminderStatus.CANCELLED, "vergadering geannuleerd"
    if meeting.published_at is None:
        return ReminderStatus.CANCELLED, "niet gepubliceerd"
    if due_time(rule, meeting) != reminder.due_at:
        # Belt and braces: a date changed without re-planning never sends a stale one.
        return ReminderStatus.CANCELLED, "vervallen: datum gewijzigd"
    max_late = timedelta(hours=current_app.config["REMINDER_MAX_LATENESS_HOURS"])
    if now - reminder.due_at > max_late:
        hours = int((now - reminder.due_at).total_seconds() // 3600)
        return ReminderStatus.SKIPPED, f"te laat ({hours} uur na het geplande moment)"
    if not condition_holds(rule, meeting):
        return ReminderStatus.SKIPPED, f"niet nodig: {rule.condition_label} (niet het geval)"
    return ReminderStatus.SENT, ""


def fire_reminder(reminder_id: int, now: datetime) -> ReminderStatus | None:
    """Claim one due reminder and write its messages (see the module's docstring). None
    when another process took it first."""
    reminder = db.session.get(Reminder, reminder_id, populate_existing=True)
    if reminder is None or reminder.status != ReminderStatus.PLANNED:
        db.session.rollback()
        return None
    resumed = reminder.claimed_at is not None
    status, note = verdict(reminder, now)
    if not claim(reminder_id, status if status != ReminderStatus.SENT
                 else ReminderStatus.SENDING, now, note):
        db.session.rollback()
        return None
    db.session.commit()
    if status != ReminderStatus.SENT:
        return status
    queued, digested, off = write_messages(reminder, now)
    parts = [f"{queued} e-mail(s)"]
    if digested:
        parts.append(f"{digested} in dagoverzicht")
    if off:
        parts.append(f"{off} afgemeld")
    if resumed:
        parts.append("hervat na een onderbreking")
    db.session.execute(
        update(Reminder).where(Reminder.id == reminder_id,
                               Reminder.status == ReminderStatus.SENDING)
        .values(status=ReminderStatus.SENT, recipients=queued + digested,
                note=", ".join(parts))
        .execution_options(synchronize_session=False))
    db.session.commit()
    return status


@dataclass
class Fanout:
    """What every recipient's message of one reminder shares, read once."""

    reminder: Reminder
    recipients: list[Recipient]
    prefs: dict[int, ReminderPreference]
    shared: dict
    responses: dict[int, set[int]]
    subject: str
    calendar: tuple[str, str, bytes]
    placeholders: Placeholders
    queued: int = 0
    digested: int = 0
    off: int = 0


def read_fanout(reminder: Reminder, now: datetime) -> Fanout:
    rule, meeting = reminder.rule, reminder.meeting
    prefs = {pref.user_id: pref for pref in db.session.scalars(select(ReminderPreference).where(
        ReminderPreference.body_id == meeting.body_id))}
    subject = fill_in(rule.subject, meeting)
    return Fanout(
        reminder=reminder, recipients=audience(rule, meeting), prefs=prefs,
        shared=shared_context(rule, meeting, now),
        responses=responded_items_by_member(meeting.id), subject=subject,
        placeholders=Placeholders(subject),
        calendar=(meeting_filename(meeting), "text/calendar", meeting_calendar(meeting, now)))


def write_messages(reminder: Reminder, now: datetime) -> tuple[int, int, int]:
    """The reminder's messages (or digest entries) for its audience as of now, committed
    per FANOUT_CHUNK recipients; a few queries per chunk whatever the audience's size.
    Returns the messages queued, the digest entries and the members who opted out."""
    fanout = read_fanout(reminder, now)
    # Everything read above stays loaded across the chunks' commits; the first commit
    # ends the reading transaction, so each chunk's transaction only writes.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        db.session.commit()
        for start in range(0, len(fanout.recipients), FANOUT_CHUNK):
            write_chunk(fanout, fanout.recipients[start:start + FANOUT_CHUNK], now)
            db.session.commit()
    finally:
        session.expire_on_commit = expire_on_commit
    return fanout.queued, fanout.digested, fanout.off


def write_chunk(fanout: Fanout, recipients: list[Recipient], now: datetime) -> None:
    reminder = fanout.reminder
    rule, meeting = reminder.rule, reminder.meeting
    messages = []
    asks_input = rule.audience not in (Audience.DELEGATES, Audience.CHAIRS)
    replies = reply_addresses(meeting.id, [r.user.id for r in recipients]) if (
        asks_input and fanout.shared["deadline_open"]) else {}
    for recipient in recipients:
        user = recipient.user
        mode = effective_mode(fanout.prefs.get(user.id))
        if mode == PreferenceMode.OFF:
            fanout.off += 1
            continue
        context = personal_context(recipient, rule, meeting, fanout.shared, fanout.responses)
        context["reply_address"] = replies.get(user.id)
        if mode == PreferenceMode.DIGEST:
            fanout.digested += add_once(DigestEntry(
                user_id=user.id, reminder_id=reminder.id, subject=fanout.subject,
                created_at=now,
                body_text=render_template("emails/reminder_section.txt", **context),
                body_html=render_template("emails/reminder_section.html", **context)))
            continue
        messages.append(dict(
            idempotency_key=reminder_key(rule.id, meeting.id, user.id, reminder.due_at),
            kind="reminder", recipient=user.email, user_id=user.id,
            meeting_id=meeting.id, subject=fanout.subject, template="reminder",
            context=context, bodies=fanout.placeholders.bodies(context),
            attachments=[fanout.calendar],
            headers=list_unsubscribe_headers(context["unsubscribe_url"])
            | ({"Reply-To": replies[user.id]} if user.id in replies else {})))
    fanout.queued += queue_messages_once(messages)


# --- the tick ---------------------------------------------------------------------------

def due_reminder_ids(now: datetime, limit: int = 500) -> list[int]:
    ids = list(db.session.scalars(
        select(Reminder.id).where(Reminder.status == ReminderStatus.PLANNED,
                                  Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id).limit(limit)))
    db.session.commit()
    return ids


def release_stuck_reminders(now: datetime) -> int:
    """Reminders left "sending" by a crashed process are planned again (conditional
    update: a fresh claim is never taken over)."""
    minutes = current_app.config["REMINDER_STUCK_MINUTES"]
    released = db.session.execute(
        update(Reminder)
        .where(Reminder.status == ReminderStatus.SENDING,
               Reminder.claimed_at < now - timedelta(minutes=minutes))
        .values(status=ReminderStatus.PLANNED, processed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if released:
        log.warning("released %s reminders stuck in sending", released)
    return released


def process_due_reminders(now: datetime | None = None) -> dict[str, int]:
    """Every due planned reminder: sent (messages queued), skipped or cancelled."""
    now = now or utcnow()
    counts = {"reminders": 0, "skipped": 0, "cancelled": 0,
              "resumed": release_stuck_reminders(now)}
    for reminder_id in due_reminder_ids(now):
        try:
            status = fire_reminder(reminder_id, now)
        except Exception:  # one broken reminder must not block the others
            db.session.rollback()
            log.exception("reminder %s failed; it is taken up again later", reminder_id)
            continue
        if status == ReminderStatus.SENT:
            counts["reminders"] += 1
        elif status is not None:
            counts[status.value] += 1
    return counts
