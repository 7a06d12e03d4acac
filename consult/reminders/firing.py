"""Firing reminders: the scheduler tick claims each due row and fans its message out
to the audience as of now, as outbox messages or digest entries.

- A reminder is claimed by one conditional UPDATE (planned -> sending, or straight to
  skipped/cancelled): two processes can never both take it. Its messages are written
  in chunks of REMINDER_FANOUT_CHUNK recipients, each its own transaction, so delivery
  starts with the first chunk and no transaction holds SQLite's write lock for the
  whole audience; then it becomes sent. The claim is stamped with the real time and
  renewed with every chunk (which also records the recipients so far). A process that
  dies halfway leaves it "sending": once its claim is REMINDER_STUCK_MINUTES old it is
  planned again and fired anew, at most REMINDER_MAX_ATTEMPTS times; then it is failed,
  visibly, in the overview and on the status page.
- Every message has an idempotency key (unique in the outbox); inserting one that exists
  is a no-op, so a repeated or resumed producer never queues a message twice.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import select, update

from consult.comments.services import responded_items_by_member
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import TokenPurpose
from consult.mail.opt_out import list_unsubscribe_headers
from consult.mail.services import add_once, queue_messages_once
from consult.mail.tokens import addresses_of, links_of, meeting_links, tokens_for
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
from consult.reminders.rendering import Placeholders

log = logging.getLogger("consult.reminders")

FANOUT_CHUNK = 500  # the default of REMINDER_FANOUT_CHUNK


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


def personal_links(context: dict, token) -> None:
    context["url"], context["item_links"] = links_of(
        token, [item.id for item in context["awaiting"]])


def reminder_key(rule_id: int, meeting_id: int, user_id: int, due: datetime) -> str:
    return f"reminder:{rule_id}:{meeting_id}:{user_id}:{due.isoformat()}"


# --- claiming ------------------------------------------------------------------------

def claim(reminder_id: int, status: ReminderStatus, now: datetime, note: str = "") -> bool:
    """planned -> `status`, only if still planned: exactly one process wins. The claim
    ages in real time, whatever moment the tick runs for."""
    return db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.PLANNED)
        .values(status=status, claimed_at=utcnow(), processed_at=now, note=note,
                attempts=Reminder.attempts + (1 if status == ReminderStatus.SENDING else 0))
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def renew_claim(fanout: "Fanout") -> None:
    """After a chunk, in its transaction: still alive, and this far."""
    db.session.execute(
        update(Reminder).where(Reminder.id == fanout.reminder.id,
                               Reminder.status == ReminderStatus.SENDING)
        .values(claimed_at=utcnow(),
                recipients=fanout.before + fanout.queued + fanout.digested)
        .execution_options(synchronize_session=False))


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
    # What an earlier, interrupted run queued (recorded with each of its chunks).
    before = reminder.recipients if resumed else 0
    status, note = verdict(reminder, now)
    if not claim(reminder_id, status if status != ReminderStatus.SENT
                 else ReminderStatus.SENDING, now, note):
        db.session.rollback()
        return None
    db.session.commit()
    if status != ReminderStatus.SENT:
        return status
    queued, digested, off = write_messages(reminder, now, before)
    parts = [f"{queued} e-mail(s)"]
    if digested:
        parts.append(f"{digested} in dagoverzicht")
    if off:
        parts.append(f"{off} afgemeld")
    if resumed:
        parts.append(f"hervat na een onderbreking ({before} waren al klaargezet)")
    db.session.execute(
        update(Reminder).where(Reminder.id == reminder_id,
                               Reminder.status == ReminderStatus.SENDING)
        .values(status=ReminderStatus.SENT, recipients=before + queued + digested,
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
    before: int = 0  # recipients an interrupted earlier run already covered


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


def write_messages(reminder: Reminder, now: datetime, before: int = 0
                   ) -> tuple[int, int, int]:
    """The reminder's messages (or digest entries) for its audience as of now, committed
    per REMINDER_FANOUT_CHUNK recipients; a few queries per chunk whatever the audience's size.
    Returns the messages queued, the digest entries and the members who opted out."""
    fanout = read_fanout(reminder, now)
    fanout.before = before
    # Everything read above stays loaded across the chunks' commits; the first commit
    # ends the reading transaction, so each chunk's transaction only writes.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        db.session.commit()
        chunk = current_app.config.get("REMINDER_FANOUT_CHUNK") or FANOUT_CHUNK
        for start in range(0, len(fanout.recipients), chunk):
            write_chunk(fanout, fanout.recipients[start:start + chunk], now)
            renew_claim(fanout)
            db.session.commit()
    finally:
        session.expire_on_commit = expire_on_commit
    return fanout.queued, fanout.digested, fanout.off


def write_chunk(fanout: Fanout, recipients: list[Recipient], now: datetime) -> None:
    reminder = fanout.reminder
    rule, meeting = reminder.rule, reminder.meeting
    messages = []
    asks_input = rule.audience not in (Audience.DELEGATES, Audience.CHAIRS)
    # The member's own links into the meeting (recognised for it only) and, while the
    # deadline is open, the personal Reply-To: one token row per member × meeting.
    ids = [r.user.id for r in recipients]
    if rule.audience == Audience.REVIEW_OPEN:  # a reply answers the concept ter inzage
        tokens = {}
        replies = addresses_of(tokens_for(meeting.id, ids, TokenPurpose.DRAFT_REVIEW))
    else:
        tokens = meeting_links(meeting.id, ids) if asks_input else {}
        replies = addresses_of(tokens) if fanout.shared["deadline_open"] else {}
    for recipient in recipients:
        user = recipient.user
        mode = effective_mode(fanout.prefs.get(user.id))
        if mode == PreferenceMode.OFF:
            fanout.off += 1
            continue
        context = personal_context(recipient, rule, meeting, fanout.shared, fanout.responses)
        context["reply_address"] = replies.get(user.id)
        context["reply_review"] = rule.audience == Audience.REVIEW_OPEN
        if user.id in tokens:
            personal_links(context, tokens[user.id])
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


def release_stuck_reminders() -> tuple[int, int]:
    """Reminders left "sending" by a crashed process (a claim older than
    REMINDER_STUCK_MINUTES, in real time) are planned again, or failed once they were
    claimed REMINDER_MAX_ATTEMPTS times. Conditional updates: a fresh claim is never
    taken over. Returns (released, failed)."""
    stale = (Reminder.status == ReminderStatus.SENDING,
             Reminder.claimed_at < utcnow() - timedelta(
                 minutes=current_app.config["REMINDER_STUCK_MINUTES"]))
    tries = current_app.config["REMINDER_MAX_ATTEMPTS"]
    failed = db.session.execute(
        update(Reminder).where(*stale, Reminder.attempts >= tries)
        .values(status=ReminderStatus.FAILED, processed_at=utcnow(),
                note=f"mislukt: {tries} keer afgebroken; de berichten die er al waren "
                     "zijn verstuurd")
        .execution_options(synchronize_session=False)).rowcount
    released = db.session.execute(
        update(Reminder).where(*stale)
        .values(status=ReminderStatus.PLANNED, processed_at=None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if released or failed:
        log.warning("reminders stuck in sending: %s released, %s failed", released, failed)
    return released, failed


def process_due_reminders(now: datetime | None = None) -> dict[str, int]:
    """Every due planned reminder: sent (messages queued), skipped or cancelled."""
    now = now or utcnow()
    resumed, failed = release_stuck_reminders()
    counts = {"reminders": 0, "skipped": 0, "cancelled": 0, "resumed": resumed,
              "reminders_failed": failed}
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
