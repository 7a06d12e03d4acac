"""The admin's view of mail that did not arrive: every failed or held message of every
kind in one list, with counts of the outbox, and sending one again."""

from sqlalchemy import func, select

from consult.extensions import db
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.mail.redaction import NOT_RESENDABLE
from consult.mail.services import resend_message

KIND_LABELS = {
    "login_link": "Inloglink",
    "address_confirm": "Extra e-mailadres bevestigen",
    "invite": "Uitnodiging",
    "nudge": "Persoonlijke herinnering",
    "new_input": "Nieuwe inbreng",
    "reminder": "Herinnering of agenda open",
    "reminder_digest": "Dagoverzicht herinneringen",
    "feedback": "Terugkoppeling",
    "secretariat": "Naar het secretariaat",
}

PROBLEMS = (OutboxStatus.FAILED, OutboxStatus.HELD)
PAGE_SIZE = 200


def status_counts() -> dict[OutboxStatus, int]:
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return {status: counts.get(status, 0) for status in OutboxStatus}


def problem_messages(limit: int = PAGE_SIZE) -> list[OutboxMessage]:
    """Failed and held messages, newest first."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status.in_(PROBLEMS))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)))


def not_resendable(message: OutboxMessage) -> str | None:
    """Why this message cannot be sent again; None when it can."""
    if message.status not in PROBLEMS:
        return "Dit bericht is niet mislukt."
    return NOT_RESENDABLE.get(message.kind)


def resend(message: OutboxMessage) -> bool:
    """A failed or held message back to pending (the same row, so the same Message-ID);
    False (nothing changed) when it may not be sent again."""
    if not_resendable(message) is not None:
        return False
    resend_message(message)
    return True
