"""Delivering the outbox: claim due messages, send them (SMTP or .eml files), record
each outcome, retry temporary failures with backoff.

Claims are stamped with the real time and renewed while the batch is delivered (a
ClaimKeeper thread), so only a process that stopped (crashed, killed) loses its claims
to another one after MAIL_STUCK_MINUTES, however slowly the server answers."""

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from consult.database import utcnow
from consult.extensions import db
from consult.mail.building import UnbuildableMessage, email_bytes
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.mail.redaction import needs_redaction, redact_sent
from consult.mail.smtp import DeliveryError, SmtpBackend
from consult.mail.turns import delivery_turn

log = logging.getLogger("consult.mail")


class FileBackend:
    """Development delivery: one .eml file per message in MAIL_FILE_DIR."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def send(self, message: OutboxMessage, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{message.id:08d}-{message.kind}.eml"
        path.write_bytes(data)
        log.info("mail %s to %s written to %s", message.kind, message.recipient, path)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    released: int = 0
    held: int = 0


def mail_backend():
    if current_app.config.get("MAIL_SERVER"):
        return SmtpBackend(current_app.config)
    return FileBackend(current_app.config["MAIL_FILE_DIR"])


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd, 4th failed attempt."""
    base = current_app.config.get("MAIL_RETRY_BASE_SECONDS", 60)
    return timedelta(seconds=base * 2 ** (max(attempts, 1) - 1))


def stuck_after() -> timedelta:
    return timedelta(minutes=current_app.config.get("MAIL_STUCK_MINUTES", 10))


def release_stuck_claims() -> int:
    """Messages left in "sending" by a crashed process go back to pending (conditional
    update: a claim that is still fresh is never taken over). Claims age in real time,
    whatever moment a run delivers for (`deliver_pending(now)`): they say whether their
    process is still alive."""
    released = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.claimed_at < utcnow() - stuck_after())
        .values(status=OutboxStatus.PENDING, claimed_at=None)
    ).rowcount
    db.session.commit()
    if released:
        log.warning("released %s outbox messages stuck in sending", released)
    return released


def claim_batch(now: datetime, size: int, ids: list[int] | None = None) -> list[OutboxMessage]:
    """Claim up to `size` messages due at `now` (counting the attempt) with a conditional
    update, so two processes delivering at once never both take one; the claim is
    stamped with the real time. On PostgreSQL the rows are locked first, SKIP LOCKED, so
    a second process claims the next ones instead of waiting; SQLite runs one writer at a
    time anyway. (Not one UPDATE ... WHERE id IN (SELECT ... LIMIT): PostgreSQL may re-run
    such a subquery and claim more than `size`.)"""
    query = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING,
                                           OutboxMessage.next_attempt_at <= now)
    if ids is not None:  # deliver_now: these messages only
        query = query.where(OutboxMessage.id.in_(ids))
    due = db.session.scalars(
        query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(size)
        .with_for_update(skip_locked=True)).all()
    claimed = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENDING, claimed_at=utcnow(),
                attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all() if due else []
    messages = list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(claimed))
        .options(selectinload(OutboxMessage.attachments))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .execution_options(populate_existing=True))) if claimed else []
    db.session.commit()
    return messages


def renew_claims(ids: list[int]) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.SENDING)
        .values(claimed_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()


class ClaimKeeper:
    """Renews the claims this process holds every MAIL_CLAIM_RENEW_SECONDS (default: a
    quarter of MAIL_STUCK_MINUTES), from a thread of its own: also while one message
    waits up to MAIL_DATA_TIMEOUT for its answer. It dies with its process, and then
    the claims age and are released as before."""

    def __init__(self, app: Flask):
        self.app = app
        self.held: set[int] = set()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.interval = float(app.config.get("MAIL_CLAIM_RENEW_SECONDS")
                              or stuck_after().total_seconds() / 4)
        self.thread: threading.Thread | None = None

    def hold(self, ids) -> None:
        with self.lock:
            self.held.update(ids)
        if self.thread is None:
            self.thread = threading.Thread(target=self.run, name="outbox-claims", daemon=True)
            self.thread.start()

    def release(self, ids) -> None:
        with self.lock:
            self.held.difference_update(ids)

    def run(self) -> None:
        with self.app.app_context():
            while not self.stopped.wait(self.interval):
                with self.lock:
                    ids = sorted(self.held)
                if not ids:
                    continue
                try:
                    renew_claims(ids)
                except SQLAlchemyError:  # the next round tries again
                    db.session.rollback()
                    log.exception("renewing %s outbox claims failed", len(ids))

    def stop(self) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join()


def deliver_pending(now: datetime | None = None, backend=None) -> DeliveryReport:
    """Deliver every due pending message: claimed in batches of MAIL_CLAIM_BATCH, the
    outcome of each one committed as soon as it is known.

    A temporary failure puts the message back to pending with exponential backoff, until
    MAIL_MAX_ATTEMPTS; a permanent one (SMTP 5xx, a message that cannot be built) fails
    it at once. When the mail server is unavailable, the rest of the batch waits for its
    retry without being tried and the run stops: no message stays claimed while
    timeouts add up. On SQLite one process at a time delivers (`turns.delivery_turn`).
    """
    wait = float(current_app.config.get("MAIL_DELIVERY_TURN_SECONDS", 30))
    with delivery_turn(db.engine, wait, db.session.commit) as turn:
        return deliver_due(now, backend) if turn else DeliveryReport()


def deliver_due(now: datetime | None, backend) -> DeliveryReport:
    now = now or utcnow()
    backend = backend or mail_backend()
    report = DeliveryReport(released=release_stuck_claims())
    batch_size = current_app.config.get("MAIL_CLAIM_BATCH", 50)
    # No transaction stays open while the SMTP server is talked to: on SQLite it would
    # hold the write lock (BEGIN IMMEDIATE) for the whole conversation and make every
    # other writer wait. So the batch is claimed and committed first, and kept loaded.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    keeper = ClaimKeeper(current_app._get_current_object())
    try:
        with sent_marks() as marks:
            while batch := claim_batch(now, batch_size):
                keeper.hold(message.id for message in batch)
                if not deliver_batch(batch, backend, now, report, keeper, marks):
                    break
    finally:
        keeper.stop()
        session.expire_on_commit = expire_on_commit
        if hasattr(backend, "close"):
            backend.close()
    return report


# The most frequent write here: a plain UPDATE, built once (not per message).
SENT = (update(OutboxMessage).where(OutboxMessage.id == bindparam("message_id"))
        .values(status=OutboxStatus.SENT, sent_at=bindparam("sent_at"))
        .execution_options(synchronize_session=False))


@contextmanager
def sent_marks():
    """Where "sent" is recorded, each message durably before the next one is sent. On
    PostgreSQL: a connection of its own in autocommit, one round trip per message
    instead of three (BEGIN, UPDATE, COMMIT), each of which waits for a core on a busy
    machine (B3). Elsewhere (SQLite: one writer, no network): the session, as before."""
    if db.engine.dialect.name != "postgresql":
        yield None
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


def mark_sent(message: OutboxMessage, now: datetime, marks) -> None:
    values = {"message_id": message.id, "sent_at": now}
    if marks is None or needs_redaction(message):
        # In the session: the secret goes in the same transaction as the mark (an
        # update of the row there would lock it against the connection of the marks).
        db.session.execute(SENT, values)
        redact_sent(message)
    else:
        marks.execute(SENT, values)


def deliver_now(ids: list[int], backend=None) -> DeliveryReport:
    """Deliver these messages at once (a login link, from the request's after_commit),
    claimed exactly as the tick claims them: whichever comes first sends it, the other
    finds nothing pending. A failure leaves it to the tick's retries."""
    report = DeliveryReport()
    backend = backend or mail_backend()
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    keeper = ClaimKeeper(current_app._get_current_object())
    try:
        batch = claim_batch(utcnow(), len(ids), ids=ids)
        if batch:
            keeper.hold(message.id for message in batch)
            with sent_marks() as marks:
                deliver_batch(batch, backend, utcnow(), report, keeper, marks)
    finally:
        keeper.stop()
        session.expire_on_commit = expire_on_commit
        if hasattr(backend, "close"):
            backend.close()
    return report


def deliver_batch(batch: list[OutboxMessage], backend, now: datetime,
                  report: DeliveryReport, keeper: ClaimKeeper, marks=None) -> bool:
    """False when the server is unavailable: the rest of the batch is put back. `marks`:
    where "sent" is recorded (sent_marks)."""
    for index, message in enumerate(batch):
        done = [message]
        try:
            backend.send(message, email_bytes(message))
        except UnbuildableMessage as error:  # this one only: the batch goes on
            record_failure(message, DeliveryError(str(error), permanent=True), now, report)
        except (DeliveryError, OSError) as error:
            unavailable = getattr(error, "unavailable", True)  # OSError: disk full
            if getattr(error, "unknown", False):
                record_unknown(message, error, report)
                done = batch[index:]
                for waiting in done[1:]:
                    record_failure(waiting, error, now, report)
            else:
                done = batch[index:] if unavailable else [message]
                for failed in done:
                    record_failure(failed, error, now, report)
            if unavailable:
                db.session.commit()
                keeper.release(m.id for m in done)
                return False
        else:
            mark_sent(message, now, marks)
            report.sent += 1
        db.session.commit()  # a failure's record, or the session's mark
        keeper.release(m.id for m in done)
    return True


def record_failure(message: OutboxMessage, error: Exception, now: datetime,
                   report: DeliveryReport) -> None:
    message.last_error = str(error)[:2000]
    message.claimed_at = None
    if getattr(error, "permanent", False) or (
            message.attempts >= current_app.config.get("MAIL_MAX_ATTEMPTS", 8)):
        message.status = OutboxStatus.FAILED
        redact_sent(message)
        report.failed += 1
    else:
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = now + retry_delay(message.attempts)
        report.retried += 1
    log.warning("mail %s to %s: attempt %s failed: %s", message.kind, message.recipient,
                message.attempts, error)


def record_unknown(message: OutboxMessage, error: Exception, report: DeliveryReport) -> None:
    """Handed over, no answer: the server may deliver it, so it is not retried by itself
    (that sent one slow server's mail 8 times). Held for the admin, who can see whether
    it arrived and resend it (same Message-ID, so mail clients show it once)."""
    message.last_error = str(error)[:2000]
    message.claimed_at = None
    message.status = OutboxStatus.HELD
    redact_sent(message)
    report.held += 1
    log.warning("mail %s to %s: outcome unknown, held: %s", message.kind, message.recipient,
                error)
