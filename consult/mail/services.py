"""Queue messages in the outbox and deliver them after the transaction committed."""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import update

from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage, OutboxStatus

log = logging.getLogger("consult.mail")


def queue_message(
    *,
    kind: str,
    recipient: str,
    subject: str,
    template: str,
    context: dict,
    user_id: int | None = None,
    idempotency_key: str | None = None,
) -> OutboxMessage:
    """Render templates/emails/<template>.txt and .html into a pending outbox row.

    The row is part of the caller's transaction: a rolled-back request sends nothing.
    """
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        user_id=user_id,
        subject=subject,
        body_text=render_template(f"emails/{template}.txt", **context),
        body_html=render_template(f"emails/{template}.html", subject=subject, **context),
        idempotency_key=idempotency_key or f"{kind}:{secrets.token_hex(16)}",
    )
    db.session.add(message)
    return message


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=str(message.id), domain="consult")
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


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


def mail_backend():
    return FileBackend(current_app.config["MAIL_FILE_DIR"])


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
    """Deliver every due pending message, committing after each one."""
    now = now or utcnow()
    backend = backend or mail_backend()
    report = DeliveryReport()
    while (message := claim_next(now)) is not None:
        message.attempts += 1
        try:
            backend.send(message, build_email(message))
        except OSError as error:
            message.status = OutboxStatus.FAILED
            message.last_error = str(error)[:2000]
            report.failed += 1
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = now
            report.sent += 1
        db.session.commit()
    return report
