"""Building messages: an outbox row's columns rendered from its templates, and the MIME
message delivered for a row."""

import hashlib
import json
import re
import secrets
from email import encoders
from email.charset import QP, Charset
from email.errors import MessageError
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate, parseaddr

from flask import current_app, render_template

from consult.mail.models import OutboxAttachment, OutboxMessage
from consult.mail.opt_out import OPT_OUT_KINDS, list_unsubscribe_headers, opt_out_token
from consult.pages import external_url

# A line break (or another control character) in a header value would end the header
# and start another one: the generator refuses such a message, so it could never be sent.
LINE_BREAK = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
LINE_BREAKS = re.compile(LINE_BREAK.pattern + "+")


class UnbuildableMessage(ValueError):
    """An outbox row no MIME message can be made of (e.g. a line break in its subject):
    it fails at once, retrying cannot help."""


def has_line_break(value: str) -> bool:
    return bool(LINE_BREAK.search(value or ""))


def one_line(value: str) -> str:
    """A header value as a mail client would show it: line breaks become spaces."""
    return LINE_BREAKS.sub(" ", value) if value else value


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
    .html rendered. Every message about a meeting knows it (the meeting's mail overview
    lists its rows by meeting_id): without an explicit `meeting_id`, that of the meeting
    or agenda item in the context is taken. A line break that slipped into a subject
    (e.g. from a body's name stored before names were checked) becomes a space."""
    if meeting_id is None:
        meeting_id = meeting_in(context)
    if kind in OPT_OUT_KINDS and user_id is not None:
        context = {**context, "opt_out_url": external_url(
            "optout.unsubscribe", token=opt_out_token(user_id, kind))}
        headers = {**list_unsubscribe_headers(context["opt_out_url"]), **(headers or {})}
    return dict(
        kind=kind,
        recipient=recipient,
        user_id=user_id,
        subject=one_line(subject),
        body_text=render_template(f"emails/{template}.txt", **context),
        body_html=render_template(f"emails/{template}.html", subject=subject, **context),
        idempotency_key=idempotency_key or f"{kind}:{secrets.token_hex(16)}",
        meeting_id=meeting_id,
        headers=json.dumps(headers) if headers else "",
    )


def meeting_in(context: dict) -> int | None:
    if context.get("meeting") is not None:
        return context["meeting"].id
    item = context.get("item")
    return getattr(item, "meeting_id", None)


def new_message(*, attachments: list[tuple[str, str, bytes]] = (), **fields) -> OutboxMessage:
    """A pending outbox row (not yet added to the session), see message_row.
    `attachments` are (filename, content type, data)."""
    return OutboxMessage(
        **message_row(**fields),
        attachments=[OutboxAttachment(filename=name, content_type=content_type, data=data)
                     for name, content_type, data in attachments],
    )


# Lines end in CRLF on the wire (as smtplib's send_message writes them).
SMTP_POLICY = compat32.clone(linesep="\r\n")

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
    for name, value in message_headers(message).items():
        if has_line_break(value):
            raise UnbuildableMessage(f"de kop {name} bevat een regeleinde: {value!r}")
        email[name] = value
    return email


def message_headers(message: OutboxMessage) -> dict[str, str]:
    """Every message is automated (RFC 3834: no auto-replies to it) and has a Message-ID
    fixed per outbox row, so a message sent twice can be recognised as one."""
    return {"From": current_app.config["MAIL_FROM"], "To": message.recipient,
            "Subject": message.subject, "Date": formatdate(localtime=False),
            "Message-ID": message_id(message), "Auto-Submitted": "auto-generated",
            **json.loads(message.headers or "{}")}


def message_id_domain() -> str:
    configured = current_app.config.get("MAIL_MESSAGE_ID_DOMAIN")
    if configured:
        return configured
    address = parseaddr(current_app.config["MAIL_FROM"])[1]
    return address.rpartition("@")[2] or "consult.invalid"


def message_id(message: OutboxMessage) -> str:
    """<consult.{id}.{hash of the idempotency key}@domain>: the same for every attempt,
    and not guessable from the id alone."""
    digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:16]
    return f"<consult.{message.id}.{digest}@{message_id_domain()}>"


def email_bytes(message: OutboxMessage) -> bytes:
    """The message as sent; UnbuildableMessage when it cannot be made."""
    try:
        return build_email(message).as_bytes(policy=SMTP_POLICY)
    except UnbuildableMessage:
        raise
    except (MessageError, ValueError, TypeError, LookupError) as error:
        raise UnbuildableMessage(f"bericht kan niet worden opgebouwd: {error}") from error


def multipart(subtype: str, *parts: Message) -> MIMEMultipart:
    for part in parts:
        del part["MIME-Version"]  # belongs in the top-level header only
    # "=_" never occurs in quoted-printable or base64 text: no need to scan it.
    return MIMEMultipart(subtype, boundary=f"=_consult_{secrets.token_hex(16)}",
                         _subparts=parts)

