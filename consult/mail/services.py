"""Queueing messages in the outbox, in the caller's transaction: they are delivered
(consult.mail.delivery) after it committed, and a rolled-back one sends nothing."""

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from consult.database import utcnow
from consult.extensions import db
from consult.mail.building import build_email, message_row, new_message  # noqa: F401
from consult.mail.delivery import deliver_pending  # noqa: F401  (the cli's "mail deliver")
from consult.mail.models import MailOptOut, OutboxAttachment, OutboxMessage, OutboxStatus
from consult.mail.opt_out import opted_out


def queue_message(**fields) -> OutboxMessage | None:
    """A pending outbox row (see new_message) in the caller's transaction: a rolled-back
    request sends nothing. None (nothing queued) when the member unsubscribed from this
    kind of mail (consult.mail.opt_out)."""
    if opted_out(fields.get("user_id"), fields["kind"]):
        return None
    message = new_message(**fields)
    db.session.add(message)
    return message


def message_exists(idempotency_key: str) -> bool:
    return db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.idempotency_key == idempotency_key)) is not None


def add_once(row) -> bool:
    """Insert `row` inside a savepoint; False (and nothing inserted) when a unique
    constraint says it is already there, e.g. the same idempotency key queued by a
    concurrent producer. The caller's transaction stays usable."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


def queue_message_once(*, idempotency_key: str, **fields) -> OutboxMessage | None:
    """queue_message that tolerates an existing idempotency key: None when the message
    was queued before (by this or another process)."""
    if message_exists(idempotency_key):
        return None
    message = new_message(idempotency_key=idempotency_key, **fields)
    return message if add_once(message) else None


def opt_out(user_id: int, kind: str) -> None:
    """The member gets no more mail of this kind; a second click changes nothing."""
    if not opted_out(user_id, kind):
        add_once(MailOptOut(user_id=user_id, kind=kind))


def queued_keys(keys: list[str]) -> set[str]:
    """Which of these idempotency keys are in the outbox already (one query)."""
    return set(db.session.scalars(select(OutboxMessage.idempotency_key).where(
        OutboxMessage.idempotency_key.in_(keys)))) if keys else set()


def queue_messages_once(messages: list[dict]) -> int:
    """queue_message_once for many messages (fields as for new_message, with an
    idempotency_key): one query for the keys already queued and two multi-row INSERTs
    (messages, attachments) instead of a query, a savepoint and ORM bookkeeping per
    message. The templates are rendered before the database is touched, so that a
    transaction (and on SQLite the write lock) starting here stays short. Returns how
    many were queued. A key that a concurrent producer queues in between makes the
    insert fail, and with it the caller's transaction."""
    rendered = [(message_row(**{name: value for name, value in fields.items()
                                if name != "attachments"}), fields.get("attachments", ()))
                for fields in messages]
    present = queued_keys([row["idempotency_key"] for row, _ in rendered])
    fresh = []
    for row, files in rendered:
        if row["idempotency_key"] not in present:  # also once within this call
            present.add(row["idempotency_key"])
            fresh.append((row, files))
    if not fresh:
        return 0
    ids = db.session.scalars(
        insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True),
        [row for row, _ in fresh]).all()
    attachments = [dict(message_id=message_id, filename=name, content_type=content_type,
                        data=data)
                   for message_id, (_, files) in zip(ids, fresh, strict=True)
                   for name, content_type, data in files]
    if attachments:
        db.session.execute(insert(OutboxAttachment), attachments)
    return len(fresh)


def resend_message(message: OutboxMessage, now: datetime | None = None) -> None:
    """A failed message goes back to pending, with a fresh set of attempts."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    message.claimed_at = None
