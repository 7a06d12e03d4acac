"""Mail that comes in: every received message as its raw bytes (stored before it is
acknowledged), and the personal reply tokens (member × meeting) of the Reply-To address."""

import base64
import enum
import hashlib
import hmac
from datetime import datetime

from flask import current_app
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.database import UTCDateTime, utcnow
from consult.extensions import db


class InboundStatus(enum.StrEnum):
    RECEIVED = "received"  # stored, not yet processed by the tick
    PROCESSED = "processed"  # became input (or "geen inbreng"), a confirmation is queued
    HELD = "held"  # waits for the delegate (inbox): reason says why
    IGNORED = "ignored"  # automatic mail, a bounce, or ignored by the delegate


class InboundMessage(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # The Message-ID, or "sha256:<hex of the raw bytes>" without one: a redelivery of the
    # same message (a retrying server, an IMAP poll after a crash) stores nothing twice.
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(String(10))  # lmtp, smtp, imap
    envelope_from: Mapped[str] = mapped_column(String(254), default="")
    envelope_to: Mapped[str] = mapped_column(Text, default="")  # one address a line
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[InboundStatus] = mapped_column(
        db.Enum(InboundStatus, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e]),
        default=InboundStatus.RECEIVED)
    # Filled in by processing: from whom, about which meeting (the delegate's inbox lists
    # held messages by it), why it was held or ignored, and what was stored (JSON).
    sender: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("reply_token.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    # A bounce: the address that could not be reached (counted against it).
    bounced_address: Mapped[str | None] = mapped_column(String(254), index=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_inbound_message_status_received_at", "status", "received_at"),)


def signed_token(nonce: str) -> str:
    """Lowercase letters and digits (mail servers may fold the case of a local part):
    130 bits of an HMAC with SECRET_KEY."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), nonce.encode(),
                      hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower().rstrip("=")[:26]


class TokenPurpose(enum.StrEnum):
    INPUT = "input"  # replies give input; the same nonce signs the link into the meeting
    DRAFT_REVIEW = "draft_review"  # replies answer the concept ter inzage


class ReplyToken(db.Model):
    """The token in a member's Reply-To address for one meeting (and purpose). The token
    itself is an HMAC (SECRET_KEY) of the random nonce, so the same address goes out in
    every mail about the meeting while the database alone does not give it away; only its
    hash is looked up. Revoking gives it a new nonce: the old address (and the link into
    the meeting, signed with the same nonce) names nobody."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(
        db.Enum(TokenPurpose, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e]),
        default=TokenPurpose.INPUT, server_default=TokenPurpose.INPUT.value)
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last revocation

    __table_args__ = (UniqueConstraint("user_id", "meeting_id", "purpose"),)

    @property
    def link_token(self) -> str:
        """The token of the link into the meeting: the same nonce signed for another use,
        so the Reply-To address (seen by every mail server on the way) opens nothing."""
        return signed_token(f"link:{self.nonce}")
