"""Delivering the outbox: claim due messages, send them (SMTP or .eml files), record
each outcome, retry temporary failures with backoff."""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from consult.database import utcnow
from consult.extensions import db
from consult.mail.building import build_email
from consult.mail.models import OutboxMessage, OutboxStatus

log = logging.getLogger("consult.mail")


class DeliveryError(Exception):
    """A failed delivery; `permanent` ones (SMTP 5xx) are not retried. `unavailable`
    ones (no connection, a failed login) would fail the same way for every message."""

    def __init__(self, text: str, permanent: bool = False, unavailable: bool = False):
        super().__init__(text)
        self.permanent = permanent
        self.unavailable = unavailable


class SmtpBackend:
    """Delivery over SMTP (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS for STARTTLS, MAIL_USE_SSL,
    MAIL_USERNAME, MAIL_PASSWORD, MAIL_TIMEOUT). One connection per delivery run, opened
    on the first message and dropped after any error.

    Temporary (retried): 4xx answers, refused or dropped connections, timeouts, and a
    failed login or STARTTLS (a configuration to fix, not a bad message). Permanent: any
    other 5xx answer.
    """

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def connect(self) -> smtplib.SMTP:
        config = self.config
        host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
        timeout = float(config["MAIL_TIMEOUT"])
        if config["MAIL_USE_SSL"]:
            connection = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                          context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
            if config["MAIL_USE_TLS"]:
                connection.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        return connection

    def send(self, message: OutboxMessage, email: Message) -> None:
        try:
            if self.connection is None:
                self.connection = self.connect()
            self.connection.send_message(email, to_addrs=[message.recipient])
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            codes = [code for code, _text in error.recipients.values()]
            raise DeliveryError(f"ontvanger geweigerd: {error.recipients}",
                                permanent=all(code >= 500 for code in codes)) from error
        except smtplib.SMTPAuthenticationError as error:
            self.close()
            raise DeliveryError(f"inloggen bij de mailserver mislukt: {error}",
                                unavailable=True) from error
        except smtplib.SMTPResponseException as error:
            self.close()
            text = error.smtp_error.decode(errors="replace") if isinstance(
                error.smtp_error, bytes) else str(error.smtp_error)
            raise DeliveryError(f"{error.smtp_code} {text}",
                                permanent=500 <= error.smtp_code < 600) from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryError(f"{type(error).__name__}: {error}", unavailable=True) from error
        log.info("mail %s to %s sent over SMTP", message.kind, message.recipient)

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()


class FileBackend:
    """Development delivery: one .eml file per message in MAIL_FILE_DIR."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def send(self, message: OutboxMessage, email: Message) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{message.id:08d}-{message.kind}.eml"
        path.write_bytes(bytes(email))
        log.info("mail %s to %s written to %s", message.kind, message.recipient, path)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    released: int = 0


def mail_backend():
    if current_app.config.get("MAIL_SERVER"):
        return SmtpBackend(current_app.config)
    return FileBackend(current_app.config["MAIL_FILE_DIR"])


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd, 4th failed attempt."""
    base = current_app.config.get("MAIL_RETRY_BASE_SECONDS", 60)
    return timedelta(seconds=base * 2 ** (max(attempts, 1) - 1))


def release_stuck_claims(now: datetime) -> int:
    """Messages left in "sending" by a crashed process go back to pending (conditional
    update: a claim that is still fresh is never taken over)."""
    minutes = current_app.config.get("MAIL_STUCK_MINUTES", 10)
    released = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.claimed_at < now - timedelta(minutes=minutes))
        .values(status=OutboxStatus.PENDING, claimed_at=None)
    ).rowcount
    db.session.commit()
    if released:
        log.warning("released %s outbox messages stuck in sending", released)
    return released


def claim_batch(now: datetime, size: int) -> list[OutboxMessage]:
    """Claim up to `size` due pending messages (counting the attempt) with a conditional
    update, so two processes delivering at once never both take one. On PostgreSQL the
    rows are locked first, SKIP LOCKED, so a second process claims the next ones instead
    of waiting; SQLite runs one writer at a time anyway. (Not one UPDATE ... WHERE id IN
    (SELECT ... LIMIT): PostgreSQL may re-run such a subquery and claim more than `size`.)"""
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(size)
        .with_for_update(skip_locked=True)).all()
    claimed = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENDING, claimed_at=now,
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


def deliver_pending(now: datetime | None = None, backend=None) -> DeliveryReport:
    """Deliver every due pending message: claimed in batches of MAIL_CLAIM_BATCH, the
    outcome of each one committed as soon as it is known.

    A temporary failure puts the message back to pending with exponential backoff, until
    MAIL_MAX_ATTEMPTS; a permanent one (SMTP 5xx) fails it at once. When the mail server
    is unavailable, the rest of the batch waits for its retry without being tried and
    the run stops: no message stays claimed while timeouts add up.
    """
    now = now or utcnow()
    backend = backend or mail_backend()
    report = DeliveryReport(released=release_stuck_claims(now))
    batch_size = current_app.config.get("MAIL_CLAIM_BATCH", 50)
    # No transaction stays open while the SMTP server is talked to: on SQLite it would
    # hold the write lock (BEGIN IMMEDIATE) for the whole conversation and make every
    # other writer wait. So the batch is claimed and committed first, and kept loaded.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        while batch := claim_batch(now, batch_size):
            for index, message in enumerate(batch):
                try:
                    backend.send(message, build_email(message))
                except (DeliveryError, OSError) as error:
                    unavailable = getattr(error, "unavailable", True)  # OSError: disk full
                    for failed in batch[index:] if unavailable else [message]:
                        record_failure(failed, error, now, report)
                    db.session.commit()
                    if unavailable:
                        return report
                else:
                    db.session.execute(  # a plain UPDATE: the most frequent write here
                        update(OutboxMessage).where(OutboxMessage.id == message.id)
                        .values(status=OutboxStatus.SENT, sent_at=now)
                        .execution_options(synchronize_session=False))
                    db.session.commit()
                    report.sent += 1
    finally:
        session.expire_on_commit = expire_on_commit
        if hasattr(backend, "close"):
            backend.close()
    return report


def record_failure(message: OutboxMessage, error: Exception, now: datetime,
                   report: DeliveryReport) -> None:
    message.last_error = str(error)[:2000]
    message.claimed_at = None
    if getattr(error, "permanent", False) or (
            message.attempts >= current_app.config.get("MAIL_MAX_ATTEMPTS", 8)):
        message.status = OutboxStatus.FAILED
        report.failed += 1
    else:
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = now + retry_delay(message.attempts)
        report.retried += 1
    log.warning("mail %s to %s: attempt %s failed: %s", message.kind, message.recipient,
                message.attempts, error)
