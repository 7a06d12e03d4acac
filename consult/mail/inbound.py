"""Storing received mail: the raw message is a committed row before anyone is told it
arrived (an LMTP/SMTP 250, an IMAP \\Seen). Processing is a later step (the tick)."""

import hashlib
from email import policy
from email.parser import BytesHeaderParser

from sqlalchemy import func, select, update

from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import InboundMessage, InboundStatus
from consult.mail.services import add_once


def dedup_key(raw: bytes) -> str:
    """The Message-ID (as written, up to 255 characters), or a hash of the bytes."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        message_id = " ".join(str(headers.get("Message-ID", "")).split())
    except Exception:  # noqa: BLE001 - a message too broken for headers still gets stored
        message_id = ""
    if message_id and len(message_id) <= 255:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def store_raw(raw: bytes, *, source: str, envelope_from: str = "",
              envelope_to: list[str] = ()) -> bool:
    """Store and commit a received message. Returns False when it was stored before (a
    redelivery): then nothing is written. A database error propagates, nothing stored,
    so the caller answers "try again later"."""
    key = dedup_key(raw)
    try:
        if db.session.scalar(select(InboundMessage.id).where(
                InboundMessage.dedup_key == key)) is not None:
            db.session.rollback()
            return False
        row = InboundMessage(dedup_key=key, raw=raw, source=source,
                             envelope_from=(envelope_from or "")[:254],
                             envelope_to="\n".join(envelope_to), received_at=utcnow())
        created = add_once(row)  # a concurrent delivery of the same message: stored once
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return created


def claim(message_id: int) -> bool:
    """Take a received message for processing (a conditional update: of two ticks, one
    wins, the other waits for its commit and then finds nothing). The caller sets the
    final status and commits it with what processing wrote, in one transaction: a crash
    leaves the message received, to be processed again."""
    result = db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id, InboundMessage.status == InboundStatus.RECEIVED)
        .values(status=InboundStatus.PROCESSED, processed_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def received_ids(limit: int = 200) -> list[int]:
    return list(db.session.scalars(
        select(InboundMessage.id).where(InboundMessage.status == InboundStatus.RECEIVED)
        .order_by(InboundMessage.received_at, InboundMessage.id).limit(limit)))


def bounce_counts(addresses: list[str] | None = None) -> dict[str, int]:
    """Bounces per address (the admin sees which addresses no longer work)."""
    query = (select(InboundMessage.bounced_address, func.count())
             .where(InboundMessage.bounced_address.is_not(None))
             .group_by(InboundMessage.bounced_address))
    if addresses is not None:
        query = query.where(InboundMessage.bounced_address.in_(
            [address.lower() for address in addresses]))
    return dict(db.session.execute(query).all())
