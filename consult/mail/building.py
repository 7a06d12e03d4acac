"""Building messages: an outbox row's columns rendered from its templates, and the MIME
message delivered for a row."""

import base64
import binascii
import hashlib
import json
import re
import secrets
from email import message_from_bytes
from email.charset import QP, Charset
from email.errors import MessageError
from email.header import Header
from email.message import Message
from email.policy import compat32
from email.utils import encode_rfc2231, formatdate, parseaddr
from functools import lru_cache

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
    bodies: tuple[str, str] | None = None,
) -> dict:
    """The columns of a pending outbox row, with templates/emails/<template>.txt and
    .html rendered. Every message about a meeting knows it (the meeting's mail overview
    lists its rows by meeting_id): without an explicit `meeting_id`, that of the meeting
    or agenda item in the context is taken. A line break that slipped into a subject
    (e.g. from a body's name stored before names were checked) becomes a space.
    `bodies`: the text and HTML already rendered (a fan-out renders them once for many
    recipients); not for the kinds with an opt-out link, which is personal."""
    if meeting_id is None:
        meeting_id = meeting_in(context)
    if kind in OPT_OUT_KINDS and user_id is not None:
        context = {**context, "opt_out_url": external_url(
            "optout.unsubscribe", token=opt_out_token(user_id, kind))}
        headers = {**list_unsubscribe_headers(context["opt_out_url"]), **(headers or {})}
        if bodies is not None:
            raise ValueError(f"{kind}: pre-rendered bodies would lack the opt-out link")
    if bodies is None:
        bodies = (render_template(f"emails/{template}.txt", **context),
                  render_template(f"emails/{template}.html", subject=subject, **context))
    return dict(
        kind=kind,
        recipient=recipient,
        user_id=user_id,
        subject=one_line(subject),
        body_text=bodies[0],
        body_html=bodies[1],
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
    """The MIME message as delivered (email_bytes), parsed: for reading its parts."""
    return message_from_bytes(email_bytes(message), policy=compat32)


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
    """The message as sent (CRLF line ends); UnbuildableMessage when it cannot be made.

    Written directly rather than by the email package's generator, which folded every
    header of every part anew and quoted-printable-encoded in Python: that was most of
    the cost of delivering a reminder to 10,000 members. The text parts are
    quoted-printable (binascii), the files base64, each distinct file encoded once per
    process (a reminder's .ics is the same in all its messages)."""
    try:
        headers = [header_line(name, value) for name, value in message_headers(message).items()]
        body = text_part("plain", message.body_text)
        if message.body_html:
            body = multipart("alternative", body, text_part("html", message.body_html))
        if message.attachments:
            body = multipart("mixed", body, *(file_part(a.filename, a.content_type, a.data)
                                              for a in message.attachments))
    except UnbuildableMessage:
        raise
    except (MessageError, ValueError, TypeError, LookupError) as error:
        raise UnbuildableMessage(f"bericht kan niet worden opgebouwd: {error}") from error
    return CRLF.join(headers).encode("ascii") + CRLF_BYTES + b"MIME-Version: 1.0\r\n" + body


CRLF, CRLF_BYTES = "\r\n", b"\r\n"


def header_line(name: str, value: str) -> str:
    """One header, RFC 2047-encoded (as the email package would) when not plain ASCII."""
    if has_line_break(value):
        raise UnbuildableMessage(f"de kop {name} bevat een regeleinde: {value!r}")
    if value.isascii() and len(name) + len(value) < 996:
        return f"{name}: {value}"
    return f"{name}: " + Header(value, UTF8_QP if not value.isascii() else None,
                                header_name=name).encode(linesep=CRLF)


def text_part(subtype: str, text: str) -> bytes:
    encoded = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode() \
        + encoded.replace(b"\n", CRLF_BYTES)


@lru_cache(maxsize=32)
def file_part(filename: str, content_type: str, data: bytes) -> bytes:
    """A base64 attachment part; cached, so a file shared by many messages is encoded once."""
    if has_line_break(filename) or has_line_break(content_type):
        raise UnbuildableMessage(f"bijlage met een regeleinde in de naam: {filename!r}")
    maintype, _, subtype = content_type.partition("/")
    charset = '; charset="utf-8"' if maintype == "text" else ""  # .ics and other text files
    if filename.isascii() and '"' not in filename and "\\" not in filename:
        name = f'filename="{filename}"'
    else:
        name = f"filename*={encode_rfc2231(filename, 'utf-8')}"
    return (f"Content-Type: {maintype}/{subtype}{charset}\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            f"Content-Disposition: attachment; {name}\r\n\r\n").encode() \
        + base64.encodebytes(data).replace(b"\n", CRLF_BYTES)


def multipart(subtype: str, *parts: bytes) -> bytes:
    # "=_" never occurs in quoted-printable or base64 text: no need to scan the parts.
    boundary = f"=_consult_{secrets.token_hex(16)}".encode()
    return (b'Content-Type: multipart/' + subtype.encode() + b'; boundary="' + boundary
            + b'"\r\n\r\n' + b"".join(b"--" + boundary + CRLF_BYTES + part + CRLF_BYTES
                                       for part in parts)
            + b"--" + boundary + b"--" + CRLF_BYTES)
