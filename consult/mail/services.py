"""Queue messages in the outbox and deliver them after the transaction committed."""

import json
import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxAttachment, OutboxMessage, OutboxStatus

log = logging.getLogger("consult.mail")


def new_message(
    *,
    kind: str,
    recipient: str,
    subject: str,
    template: str,
    context: dict,
    user_id: int | None = None,
    idempotency_key: str | None = None,
    meeting_id: int | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> OutboxMessage:
    """Render templates/emails/<template>.txt and .html into a pending outbox row (not yet
    added to the session). `attachments` are (filename, content type, data)."""
    return OutboxMessage(
        kind=kind,
        recipient=recipient,
        user_id=user_id,
        subject=subject,
        body_text=render_template(f"emails/{template}.txt", **context),
        body_html=render_template(f"emails/{template}.html", subject=subject, **context),
        idempotency_key=idempotency_key or f"{kind}:{secrets.token_hex(16)}",
        meeting_id=meeting_id,
        headers=json.dumps(headers) if headers else "",
        attachments=[OutboxAttachment(filename=name, content_type=content_type, data=data)
                     for name, content_type, data in attachments],
    )


def queue_message(**fields) -> OutboxMessage:
    """A pending outbox row (see new_message) in the caller's transaction: a rolled-back
    request sends nothing."""
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


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=str(message.id), domain="consult")
    for name, value in json.loads(message.headers or "{}").items():
        email[name] = value
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                             filename=attachment.filename)
    return email


class DeliveryError(Exception):
    """A failed delivery; `permanent` ones (SMTP 5xx) are not retried."""

    def __init__(self, text: str, permanent: bool = False):
        super().__init__(text)
        self.permanent = permanent


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

    def send(self, message: OutboxMessage, email: EmailMessage) -> None:
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
            raise DeliveryError(f"inloggen bij de mailserver mislukt: {error}") from error
        except smtplib.SMTPResponseException as error:
            self.close()
            text = error.smtp_error.decode(errors="replace") if isinstance(
                error.smtp_error, bytes) else str(error.smtp_error)
            raise DeliveryError(f"{error.smtp_code} {text}",
                                permanent=500 <= error.smtp_code < 600) from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryError(f"{type(error).__name__}: {error}") from error
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

    def send(self, message: OutboxMessage, email: EmailMessage) -> None:
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


def resend_message(message: OutboxMessage, now: datetime | None = None) -> None:
    """A failed message goes back to pending, with a fresh set of attempts."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    message.claimed_at = None


def claim_next(now: datetime) -> OutboxMessage | None:
    """Claim one due pending message with a conditional update, so two processes
    delivering at once never both take it."""
    candidates = db.session.scalars(
        db.select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(20)
    ).all()
    db.session.commit()
    for message_id in candidates:
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, claimed_at=now)
        ).rowcount
        db.session.commit()
        if claimed:
            return db.session.get(OutboxMessage, message_id)
    return None


def deliver_pending(now: datetime | None = None, backend=None) -> DeliveryReport:
    """Deliver every due pending message, committing after each one.

    A temporary failure puts the message back to pending with exponential backoff, until
    MAIL_MAX_ATTEMPTS; a permanent one (SMTP 5xx) fails it at once.
    """
    now = now or utcnow()
    backend = backend or mail_backend()
    report = DeliveryReport(released=release_stuck_claims(now))
    max_attempts = current_app.config.get("MAIL_MAX_ATTEMPTS", 8)
    # No transaction stays open while the SMTP server is talked to: on SQLite it would
    # hold the write lock (BEGIN IMMEDIATE) for the whole conversation and make every
    # other writer wait. So the message is read and committed first, and kept loaded.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        while (message := claim_next(now)) is not None:
            message.attempts += 1
            email = build_email(message)
            db.session.commit()
            try:
                backend.send(message, email)
            except (DeliveryError, OSError) as error:
                message.last_error = str(error)[:2000]
                message.claimed_at = None
                permanent = getattr(error, "permanent", False)
                if permanent or message.attempts >= max_attempts:
                    message.status = OutboxStatus.FAILED
                    report.failed += 1
                else:
                    message.status = OutboxStatus.PENDING
                    message.next_attempt_at = now + retry_delay(message.attempts)
                    report.retried += 1
                log.warning("mail %s to %s: attempt %s failed: %s", message.kind,
                            message.recipient, message.attempts, error)
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = now
                report.sent += 1
            db.session.commit()
    finally:
        session.expire_on_commit = expire_on_commit
        if hasattr(backend, "close"):
            backend.close()
    return report
