"""Queue messages in the outbox and deliver them after the transaction committed."""

import json
import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import encoders
from email.charset import QP, Charset
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxAttachment, OutboxMessage, OutboxStatus

log = logging.getLogger("consult.mail")


def message_row(
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
) -> dict:
    """The columns of a pending outbox row, with templates/emails/<template>.txt and
    .html rendered."""
    return dict(
        kind=kind,
        recipient=recipient,
        user_id=user_id,
        subject=subject,
        body_text=render_template(f"emails/{template}.txt", **context),
        body_html=render_template(f"emails/{template}.html", subject=subject, **context),
        idempotency_key=idempotency_key or f"{kind}:{secrets.token_hex(16)}",
        meeting_id=meeting_id,
        headers=json.dumps(headers) if headers else "",
    )


def new_message(*, attachments: list[tuple[str, str, bytes]] = (), **fields) -> OutboxMessage:
    """A pending outbox row (not yet added to the session), see message_row.
    `attachments` are (filename, content type, data)."""
    return OutboxMessage(
        **message_row(**fields),
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


# Quoted-printable keeps the text of a message readable in its source (and in .eml files).
UTF8_QP = Charset("utf-8")
UTF8_QP.body_encoding = QP


def build_email(message: OutboxMessage) -> Message:
    """The MIME message. Built with the classic (compat32) classes, with our own random
    boundaries: EmailMessage parses every header it is given, and the generator scans
    the whole text for a boundary it could use, which together made a reminder to 10,000
    members take minutes."""
    body = MIMEText(message.body_text, "plain", UTF8_QP)
    if message.body_html:
        body = multipart("alternative", body, MIMEText(message.body_html, "html", UTF8_QP))
    email = body
    if message.attachments:
        files = []
        for attachment in message.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            part = MIMEBase(maintype, subtype)
            if maintype == "text":  # .ics and other text files are UTF-8
                part.set_param("charset", "utf-8")
            part.set_payload(attachment.data)
            encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
            files.append(part)
        email = multipart("mixed", body, *files)
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=str(message.id), domain="consult")
    for name, value in json.loads(message.headers or "{}").items():
        email[name] = value
    return email


def multipart(subtype: str, *parts: Message) -> MIMEMultipart:
    for part in parts:
        del part["MIME-Version"]  # belongs in the top-level header only
    # "=_" never occurs in quoted-printable or base64 text: no need to scan it.
    return MIMEMultipart(subtype, boundary=f"=_consult_{secrets.token_hex(16)}",
                         _subparts=parts)


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


def resend_message(message: OutboxMessage, now: datetime | None = None) -> None:
    """A failed message goes back to pending, with a fresh set of attempts."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    message.claimed_at = None


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
