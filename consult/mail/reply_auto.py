"""Mail no person wrote: auto-replies, out-of-office, read receipts and bounces (RFC 3834, 3464)."""

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import parseaddr

from consult.mail import reply_rules as rules

BOUNCE = "bounce"
AUTO_REPLY = "auto-reply"
READ_RECEIPT = "read-receipt"
AUTOMATIC = "automatic"  # a null sender with no other sign: some notification, not a bounce

_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_ADDRESS = re.compile(r"<?([\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+)>?")


@dataclass(frozen=True)
class Bounce:
    recipient: str | None  # the address the mail could not be delivered to
    status: str | None  # RFC 3463 code, "5.1.1"; 5.x.x is permanent
    action: str | None  # "failed", "delayed", …
    diagnostic: str | None

    @property
    def permanent(self) -> bool:
        return bool(self.status and self.status.startswith("5"))


def is_automatic(message: Message) -> str | None:
    """What kind of automatic mail this is (BOUNCE, AUTO_REPLY, …), or None if a person wrote it."""
    if message.get_content_type() == "multipart/report":
        report = (message.get_param("report-type") or "").lower()
        return {"delivery-status": BOUNCE, "disposition-notification": READ_RECEIPT}.get(
            report, AUTOMATIC)
    if _auto_reply(message):
        return AUTO_REPLY
    sender = parseaddr(str(message.get("From", "")))[1]
    subject = _subject(message)
    if rules.BOUNCE_SENDERS.match(sender) or _any(rules.BOUNCE_SUBJECTS, subject):
        return BOUNCE
    if message.get("X-Failed-Recipients"):
        return BOUNCE
    if _null_sender(message):
        return AUTOMATIC
    return None


def _auto_reply(message: Message) -> bool:
    submitted = str(message.get("Auto-Submitted", "")).split(";")[0].strip().lower()
    if submitted and submitted != rules.AUTO_SUBMITTED_HUMAN:
        return True
    if any(_header_says_yes(message.get(name)) for name in rules.AUTO_HEADERS):
        return True
    if str(message.get("Precedence", "")).strip().lower() in rules.AUTO_PRECEDENCE:
        return True
    # Exchange marks mail an inbox rule (out-of-office rules too) sent.
    if any(message.get(name) for name in rules.LOOP_HEADERS):
        return True
    # X-Auto-Response-Suppress alone is not enough: Outlook sets it on some mail people write.
    return _any(rules.AUTO_SUBJECTS, _subject(message))


def _header_says_yes(value) -> bool:
    return value is not None and str(value).strip().lower() not in ("no", "false", "0")


def _null_sender(message: Message) -> bool:
    return_path = message.get("Return-Path")
    return return_path is not None and str(return_path).strip() in ("<>", "")


def bounce_of(message: Message) -> Bounce | None:
    """The failed recipient and status of a bounce: from the DSN, else from its text."""
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            found = _from_delivery_status(part)
            if found:
                return found
    failed = message.get("X-Failed-Recipients")
    text = _first_text(message)
    status = _STATUS.search(text)
    address = _ADDRESS.search(str(failed) if failed else text)
    if not (status or address):
        return None
    return Bounce(address.group(1) if address else None, status.group(1) if status else None,
                  "failed" if status and status.group(1).startswith("5") else None, None)


def _from_delivery_status(part: Message) -> Bounce | None:
    blocks = [block for block in part.get_payload() if isinstance(block, Message)]
    recipients = [block for block in blocks if block.get("Final-Recipient") or
                  block.get("Original-Recipient")]
    if not recipients:
        return None
    block = next((b for b in recipients if str(b.get("Action", "")).lower() == "failed"),
                 recipients[0])
    address = str(block.get("Final-Recipient") or block.get("Original-Recipient"))
    status = _STATUS.search(str(block.get("Status", "")))
    diagnostic = block.get("Diagnostic-Code")
    return Bounce(
        recipient=address.split(";", 1)[-1].strip() or None,
        status=status.group(1) if status else None,
        action=str(block.get("Action", "")).strip().lower() or None,
        diagnostic=" ".join(str(diagnostic).split()) if diagnostic else None,
    )


def _first_text(message: Message) -> str:
    if isinstance(message, EmailMessage):
        body = message.get_body(preferencelist=("plain",))
        if body is not None:
            payload = body.get_payload(decode=True) or b""
            return payload.decode("utf-8", errors="replace")
    return ""


def _subject(message: Message) -> str:
    return " ".join(str(message.get("Subject", "")).split())


def _any(patterns: tuple[re.Pattern, ...], text: str) -> bool:
    return any(pattern.search(text) for pattern in patterns)
