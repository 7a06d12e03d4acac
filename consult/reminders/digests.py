"""The daily digest: the reminders collected for members who chose one overview a day,
sent as one message per member per day once the digest hour has passed."""

from datetime import UTC, date, datetime, time

from flask import current_app, render_template
from sqlalchemy import select, update

from consult.accounts.models import User
from consult.database import utcnow
from consult.extensions import db
from consult.mail.opt_out import list_unsubscribe_headers
from consult.mail.services import message_exists, queue_message_once
from consult.pages import external_url, format_date
from consult.reminders.models import DigestEntry
from consult.reminders.planning import zone
from consult.reminders.preferences import DIGEST, unsubscribe_token
from consult.text import excerpt


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
        if send_digest(user_id, f"digest:{user_id}:{day.isoformat()}", cutoff, now):
            db.session.commit()
            sent += 1
        else:
            db.session.rollback()
    return sent


def send_digest(user_id: int, key: str, cutoff: datetime, now: datetime) -> bool:
    """Take the member's entries under `key` and queue the digest; False (roll back)
    when today's went out already or another process took the entries."""
    if message_exists(key):  # today's went out; the rest waits for tomorrow
        return False
    taken = db.session.execute(
        update(DigestEntry)
        .where(DigestEntry.user_id == user_id, DigestEntry.digest_key.is_(None),
               DigestEntry.created_at <= cutoff)
        .values(digest_key=key).execution_options(synchronize_session=False)).rowcount
    if not taken:  # another process took them
        return False
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        db.session.commit()  # taken, never sent: the member left
        return False
    entries = list(db.session.scalars(select(DigestEntry).where(
        DigestEntry.digest_key == key).order_by(DigestEntry.created_at, DigestEntry.id)))
    unsubscribe_url = external_url("reminders.unsubscribe",
                                   token=unsubscribe_token(user.id, DIGEST))
    return queue_message_once(
        idempotency_key=key, kind="reminder_digest", recipient=user.email,
        user_id=user.id, subject=f"Uw herinneringen van {format_date(now)}",
        template="reminder_digest",
        context={"user": user, "entries": entries, "unsubscribe_url": unsubscribe_url,
                 "preferences_url": external_url("accounts.account") + "#herinneringen-kop"},
        headers=list_unsubscribe_headers(unsubscribe_url),
    ) is not None


def note_late_input(comment, **_) -> None:
    """Late input arrived (after the deadline, from the web or a reply by mail): each
    delegate of the body reads it in the next daily digest (the desk shows it at once).
    Receiver of comments.signals.late_input_sent, in the same transaction as the input."""
    item = comment.item
    meeting = item.meeting
    context = {"comment": comment, "item": item, "meeting": meeting,
               "author": comment.author, "text": excerpt(comment.text, 600),
               "when": format_date(meeting.starts_at),
               "url": external_url("statements.item_workspace", item_id=item.id)}
    for delegate in meeting.body.delegates:
        if not delegate.active or delegate.id == comment.author_id:
            continue
        db.session.add(DigestEntry(
            user_id=delegate.id, comment_id=comment.id, created_at=comment.created_at,
            subject=f"Late inbreng op punt {item.label}. {item.title} ({meeting.body.short_name},"
                    f" {context['when']})",
            body_text=render_template("emails/late_input_section.txt", **context),
            body_html=render_template("emails/late_input_section.html", **context)))
