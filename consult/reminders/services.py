"""Reminder rules, planning reminder rows, and turning due rows into outbox messages.

Decisions:
- "1 day before" keeps the local wall-clock time (Europe/Amsterdam): a deadline at
  17.00 gets its reminder at 17.00 the day before, also across a DST change (then 23 or
  25 hours before). Whole days of an offset are local days; the rest is exact minutes.
- The audience is computed when a reminder fires, never when it is planned.
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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from consult.accounts.models import User
from consult.comments.models import Comment, NoInput
from consult.comments.services import responded_items_by_member
from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.mail.services import (
    add_once,
    message_exists,
    queue_message_once,
    queue_messages_once,
    queued_keys,
)
from consult.meetings.models import AgendaItem, Body, Meeting
from consult.pages import deadline_in_words, external_url, format_date
from consult.reminders.models import (
    Anchor,
    Audience,
    Condition,
    DigestEntry,
    PreferenceMode,
    Reminder,
    ReminderPreference,
    ReminderRule,
    ReminderStatus,
)
from consult.statements.models import Statement, StatementStatus

log = logging.getLogger("consult.reminders")

DAY = 24 * 60
UNSUBSCRIBE_SALT = "consult.reminders.unsubscribe"


# --- rules ----------------------------------------------------------------------------

DEFAULT_RULES = [
    dict(anchor=Anchor.PUBLICATION, offset_minutes=0, audience=Audience.ALL,
         subject="Geef uw inbreng: {vergadering}",
         message="De agenda van {vergadering} staat open voor uw inbreng. Geef per "
                 "agendapunt uw inbreng, of laat weten dat u geen inbreng heeft."),
    dict(anchor=Anchor.DEADLINE, offset_minutes=-5 * DAY, audience=Audience.NON_RESPONDERS,
         subject="Herinnering: uw inbreng voor {vergadering}",
         message="U heeft nog niet gereageerd op de agenda van {vergadering}. Ook "
                 "\"geen inbreng\" helpt: dan weet de gedelegeerde dat u de agenda zag."),
    dict(anchor=Anchor.DEADLINE, offset_minutes=-1 * DAY, audience=Audience.NON_RESPONDERS,
         subject="Morgen sluit de inbreng voor {vergadering}",
         message="Morgen sluit de termijn voor inbreng op de agenda van {vergadering}. "
                 "U heeft nog niet gereageerd."),
    dict(anchor=Anchor.DEADLINE, offset_minutes=0, audience=Audience.DELEGATES,
         subject="Consolideer nu: de inbreng voor {vergadering} is gesloten",
         message="De termijn voor inbreng is verlopen. Verwerk de inbreng nu tot één "
                 "gezamenlijke inbreng per agendapunt."),
    dict(anchor=Anchor.MEETING_START, offset_minutes=-1 * DAY, audience=Audience.DELEGATES,
         condition=Condition.STATEMENT_NOT_FINAL,
         subject="Morgen vergadert {overleg}: nog niet alles is definitief",
         message="Morgen is de vergadering. Nog niet alle gezamenlijke inbreng is "
                 "definitief."),
    dict(anchor=Anchor.MEETING_END, offset_minutes=1 * DAY, audience=Audience.DELEGATES,
         condition=Condition.OUTCOMES_MISSING,
         subject="Leg de bespreking vast: {vergadering}",
         message="De vergadering is geweest. Leg per agendapunt vast wat de vergadering "
                 "met de inbreng deed, en laat de achterban het weten."),
]


def default_rules() -> list[ReminderRule]:
    return [ReminderRule(**fields) for fields in DEFAULT_RULES]


@event.listens_for(Session, "before_flush")
def _new_bodies_get_default_rules(session, _context, _instances):
    """Every new body starts with the default rules, however it is created (bodies
    admin, demo data, import). Existing bodies got them in the migration."""
    for obj in list(session.new):
        if isinstance(obj, Body) and not getattr(obj, "_reminder_rules_seeded", False):
            obj._reminder_rules_seeded = True
            for rule in default_rules():
                rule.body = obj
                session.add(rule)


def body_rules(body: Body) -> list[ReminderRule]:
    return list(db.session.scalars(
        select(ReminderRule).where(ReminderRule.body_id == body.id)
        .order_by(ReminderRule.anchor, ReminderRule.offset_minutes, ReminderRule.id)))


def describe_offset(rule: ReminderRule) -> str:
    """"5 dagen voor de deadline voor inbreng", "bij de publicatie"."""
    minutes = abs(rule.offset_minutes)
    if minutes == 0:
        return f"bij {rule.anchor_label}"
    days, rest = divmod(minutes, DAY)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} {'dag' if days == 1 else 'dagen'}")
    if hours:
        parts.append(f"{hours} uur")
    if mins:
        parts.append(f"{mins} {'minuut' if mins == 1 else 'minuten'}")
    direction = "voor" if rule.offset_minutes < 0 else "na"
    return f"{' en '.join(parts)} {direction} {rule.anchor_label}"


# --- planning -------------------------------------------------------------------------

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


def plan_reminders(meeting: Meeting, now: datetime | None = None) -> dict[str, int]:
    """(Re)plan the meeting's reminder rows from its body's active rules.

    Planned rows whose moment no longer holds (a moved date, a changed or deactivated
    rule, a cancelled meeting) are cancelled; new moments get new rows. A moment that is
    already past when planned is recorded as skipped, so publishing late does not fire a
    burst of old reminders. Call before the request's commit.
    """
    now = now or utcnow()
    db.session.flush()
    rows = list(db.session.scalars(select(Reminder).where(Reminder.meeting_id == meeting.id)))
    counts = {"planned": 0, "cancelled": 0}
    if meeting.cancelled_at is not None or meeting.published_at is None:
        reason = "vergadering geannuleerd" if meeting.cancelled_at else "niet gepubliceerd"
        for row in rows:
            if row.status == ReminderStatus.PLANNED:
                row.status, row.note, row.processed_at = ReminderStatus.CANCELLED, reason, now
                counts["cancelled"] += 1
        return counts
    wanted = {}
    for rule in body_rules(meeting.body):
        due = due_time(rule, meeting) if rule.active else None
        if due is not None:
            wanted[(rule.id, due)] = rule
    by_key = {(row.rule_id, row.due_at): row for row in rows}
    for row in rows:
        if row.status == ReminderStatus.PLANNED and (row.rule_id, row.due_at) not in wanted:
            row.status, row.processed_at = ReminderStatus.CANCELLED, now
            row.note = "vervallen: datum of regel gewijzigd"
            counts["cancelled"] += 1
    for (rule_id, due), _rule in wanted.items():
        row = by_key.get((rule_id, due))
        if row is not None and row.status != ReminderStatus.CANCELLED:
            continue  # planned, sent or skipped before: nothing to do
        late = due < now
        if row is None:
            row = Reminder(meeting_id=meeting.id, rule_id=rule_id, due_at=due, planned_at=now)
            db.session.add(row)
        row.planned_at, row.claimed_at = now, None
        if late:
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
    meetings = db.session.scalars(select(Meeting).where(
        Meeting.body_id == body.id, Meeting.published_at.is_not(None),
        Meeting.cancelled_at.is_(None), Meeting.ends_at > now - timedelta(days=30)))
    for meeting in meetings:
        plan_reminders(meeting, now)


def delete_rule(rule: ReminderRule, now: datetime | None = None) -> None:
    """Its planned rows are cancelled; what it sent stays visible (rule_id becomes NULL)."""
    now = now or utcnow()
    for row in db.session.scalars(select(Reminder).where(
            Reminder.rule_id == rule.id, Reminder.status == ReminderStatus.PLANNED)):
        row.status, row.note, row.processed_at = ReminderStatus.CANCELLED, "regel verwijderd", now
    db.session.flush()
    db.session.execute(update(Reminder).where(Reminder.rule_id == rule.id)
                       .values(rule_id=None))
    db.session.delete(rule)


# --- audiences (evaluated when a reminder fires) -------------------------------------

def responder_ids(meeting: Meeting) -> set[int]:
    """Members who responded to the meeting: input on an item, or "geen inbreng"."""
    commented = (select(Comment.author_id).join(AgendaItem, AgendaItem.id == Comment.item_id)
                 .where(AgendaItem.meeting_id == meeting.id, Comment.withdrawn_at.is_(None)))
    no_input = select(NoInput.user_id).where(NoInput.meeting_id == meeting.id)
    return set(db.session.scalars(commented)) | set(db.session.scalars(no_input))


def constituency(meeting: Meeting) -> list[User]:
    from consult.meetings.services import constituency_query

    return list(db.session.scalars(constituency_query(meeting.body)))


def contributor_ids(meeting: Meeting) -> set[int]:
    return set(db.session.scalars(
        select(Comment.author_id).join(AgendaItem, AgendaItem.id == Comment.item_id)
        .where(AgendaItem.meeting_id == meeting.id, Comment.withdrawn_at.is_(None))))


@dataclass
class Recipient:
    user: User
    region_non_responders: list[User] = field(default_factory=list)


def audience(rule: ReminderRule, meeting: Meeting) -> list[Recipient]:
    """Who gets this rule's message for this meeting, as of now."""
    if rule.audience == Audience.DELEGATES:
        return [Recipient(user) for user in meeting.body.delegates if user.active]
    members = constituency(meeting)
    if rule.audience == Audience.ALL:
        return [Recipient(user) for user in members]
    if rule.audience == Audience.CONTRIBUTORS:
        ids = contributor_ids(meeting)
        return [Recipient(user) for user in db.session.scalars(
            select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.name))]
    responded = responder_ids(meeting)
    silent = [user for user in members if user.id not in responded]
    if rule.audience == Audience.NON_RESPONDERS:
        return [Recipient(user) for user in silent]
    # Regional chairs: each with the non-responders of their own region.
    chairs = db.session.scalars(select(User).where(
        User.active.is_(True), User.chairs_region_id.is_not(None)).order_by(User.name))
    recipients = []
    for chair in chairs:
        names = [user for user in silent if user.region_id == chair.chairs_region_id]
        if names:
            recipients.append(Recipient(chair, names))
    return recipients


def open_items(meeting: Meeting) -> list[AgendaItem]:
    return [item for item in meeting.items if item.open_for_input]


def items_not_final(meeting: Meeting) -> list[AgendaItem]:
    final = set(db.session.scalars(
        select(Statement.item_id).join(AgendaItem, AgendaItem.id == Statement.item_id)
        .where(AgendaItem.meeting_id == meeting.id, Statement.status == StatementStatus.FINAL)))
    return [item for item in open_items(meeting) if item.id not in final]


def condition_holds(rule: ReminderRule, meeting: Meeting) -> bool:
    if rule.condition == Condition.STATEMENT_NOT_FINAL:
        return bool(items_not_final(meeting))
    if rule.condition == Condition.OUTCOMES_MISSING:
        return meeting.outcomes_published_at is None
    return True


def input_count(meeting: Meeting) -> int:
    return db.session.scalar(
        select(func.count(Comment.id)).join(AgendaItem, AgendaItem.id == Comment.item_id)
        .where(AgendaItem.meeting_id == meeting.id, Comment.withdrawn_at.is_(None))) or 0


# --- preferences and unsubscribing ---------------------------------------------------

def serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, body_id: int) -> str:
    return serializer().dumps([user_id, body_id])


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    try:
        value = serializer().loads(token)
    except BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        return None
    return value[0], value[1]


def preference(user_id: int, body_id: int) -> ReminderPreference | None:
    return db.session.scalar(select(ReminderPreference).where(
        ReminderPreference.user_id == user_id, ReminderPreference.body_id == body_id))


def effective_mode(pref: ReminderPreference | None) -> PreferenceMode:
    if pref is None:
        return PreferenceMode.EACH
    return PreferenceMode.OFF if pref.unsubscribed_at else pref.mode


def set_preference(user_id: int, body_id: int, mode: PreferenceMode,
                   now: datetime | None = None) -> ReminderPreference:
    pref = preference(user_id, body_id)
    if pref is None:
        pref = ReminderPreference(user_id=user_id, body_id=body_id)
        if not add_once(pref):  # created at the same moment by another request
            pref = preference(user_id, body_id)
    pref.mode, pref.updated_at = mode, now or utcnow()
    pref.unsubscribed_at = None
    return pref


def unsubscribe(user_id: int, body_id: int, now: datetime | None = None) -> None:
    pref = set_preference(user_id, body_id, PreferenceMode.OFF, now)
    pref.unsubscribed_at = now or utcnow()


# --- firing ---------------------------------------------------------------------------

def fill_in(text: str, meeting: Meeting) -> str:
    from consult.meetings.services import meeting_title

    return (text.replace("{vergadering}", meeting_title(meeting))
            .replace("{overleg}", meeting.body.name)
            .replace("{deadline}", format_date(meeting.input_deadline, with_time=True)))


def shared_context(rule: ReminderRule, meeting: Meeting, now: datetime) -> dict:
    from consult.meetings.services import meeting_title

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


def reminder_key(rule_id: int, meeting_id: int, user_id: int, due: datetime) -> str:
    return f"reminder:{rule_id}:{meeting_id}:{user_id}:{due.isoformat()}"


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


FANOUT_CHUNK = 500


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


def write_messages(reminder: Reminder, now: datetime) -> tuple[int, int, int]:
    """The reminder's messages (or digest entries) for its audience as of now, committed
    per FANOUT_CHUNK recipients; a few queries per chunk whatever the audience's size.
    Returns the messages queued, the digest entries and the members who opted out."""
    from consult.meetings.calendar import meeting_calendar, meeting_filename

    rule, meeting = reminder.rule, reminder.meeting
    recipients = audience(rule, meeting)
    if rule.anchor == Anchor.PUBLICATION and rule.offset_minutes == 0:
        # publish_meeting already sent these members the "agenda open" email.
        opened = queued_keys([f"agenda_open:{meeting.id}:{r.user.id}" for r in recipients])
        recipients = [r for r in recipients
                      if f"agenda_open:{meeting.id}:{r.user.id}" not in opened]
    prefs = {pref.user_id: pref for pref in db.session.scalars(select(ReminderPreference).where(
        ReminderPreference.body_id == meeting.body_id))}
    shared = shared_context(rule, meeting, now)
    responses = responded_items_by_member(meeting.id)
    subject = fill_in(rule.subject, meeting)
    calendar = (meeting_filename(meeting), "text/calendar", meeting_calendar(meeting, now))
    # Everything read above stays loaded across the chunks' commits; the first commit
    # ends the reading transaction, so each chunk's transaction only writes.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    queued = digested = off = 0
    try:
        db.session.commit()
        for start in range(0, len(recipients), FANOUT_CHUNK):
            messages = []
            for recipient in recipients[start:start + FANOUT_CHUNK]:
                user = recipient.user
                mode = effective_mode(prefs.get(user.id))
                if mode == PreferenceMode.OFF:
                    off += 1
                    continue
                context = personal_context(recipient, rule, meeting, shared, responses)
                if mode == PreferenceMode.DIGEST:
                    digested += add_once(DigestEntry(
                        user_id=user.id, reminder_id=reminder.id, subject=subject,
                        created_at=now,
                        body_text=render_template("emails/reminder_section.txt", **context),
                        body_html=render_template("emails/reminder_section.html",
                                                  **context)))
                    continue
                messages.append(dict(
                    idempotency_key=reminder_key(rule.id, meeting.id, user.id,
                                                 reminder.due_at),
                    kind="reminder", recipient=user.email, user_id=user.id,
                    meeting_id=meeting.id, subject=subject, template="reminder",
                    context=context, attachments=[calendar],
                    headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>",
                             "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}))
            queued += queue_messages_once(messages)
            db.session.commit()
    finally:
        session.expire_on_commit = expire_on_commit
    return queued, digested, off


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


# --- daily digest ---------------------------------------------------------------------

def digest_cutoff(now: datetime) -> tuple[date, datetime] | None:
    """Today's digest moment (e.g. 07.00 local), once it has passed."""
    local = now.astimezone(zone())
    cutoff = datetime.combine(local.date(), time(current_app.config["REMINDER_DIGEST_HOUR"]),
                              tzinfo=zone())
    return (local.date(), cutoff.astimezone(UTC)) if local >= cutoff else None


def send_digests(now: datetime | None = None) -> int:
    """One message per member per day with the reminders collected for the digest
    before today's digest moment. Key digest:<user>:<date>."""
    now = now or utcnow()
    moment = digest_cutoff(now)
    if moment is None:
        return 0
    day, cutoff = moment
    user_ids = list(db.session.scalars(select(DigestEntry.user_id).distinct().where(
        DigestEntry.digest_key.is_(None), DigestEntry.created_at <= cutoff)))
    db.session.commit()
    sent = 0
    for user_id in user_ids:
        key = f"digest:{user_id}:{day.isoformat()}"
        if message_exists(key):  # today's went out; the rest waits for tomorrow
            db.session.rollback()
            continue
        taken = db.session.execute(
            update(DigestEntry)
            .where(DigestEntry.user_id == user_id, DigestEntry.digest_key.is_(None),
                   DigestEntry.created_at <= cutoff)
            .values(digest_key=key).execution_options(synchronize_session=False)).rowcount
        if not taken:  # another process took them
            db.session.rollback()
            continue
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            db.session.commit()  # taken, never sent: the member left
            continue
        entries = list(db.session.scalars(select(DigestEntry).where(
            DigestEntry.digest_key == key).order_by(DigestEntry.created_at, DigestEntry.id)))
        message = queue_message_once(
            idempotency_key=key, kind="reminder_digest", recipient=user.email,
            user_id=user.id, subject=f"Uw herinneringen van {format_date(now)}",
            template="reminder_digest",
            context={"user": user, "entries": entries,
                     "preferences_url": external_url("accounts.account")
                     + "#herinneringen-kop"})
        if message is None:
            db.session.rollback()
            continue
        db.session.commit()
        sent += 1
    return sent


# --- overview -------------------------------------------------------------------------

def meeting_reminders(meeting: Meeting) -> list[Reminder]:
    return list(db.session.scalars(select(Reminder).where(Reminder.meeting_id == meeting.id)
                                   .order_by(Reminder.due_at, Reminder.id)))


def meeting_messages_query(meeting: Meeting):
    return select(OutboxMessage).where(or_(
        OutboxMessage.meeting_id == meeting.id,
        OutboxMessage.idempotency_key.like(f"agenda\\_open:{meeting.id}:%", escape="\\")))


def meeting_messages(meeting: Meeting) -> list[OutboxMessage]:
    return list(db.session.scalars(meeting_messages_query(meeting).order_by(
        OutboxMessage.created_at.desc(), OutboxMessage.id.desc())))
