"""Reading a member's reply mail: who sent it to which address, the new text, attachments, trust.

Pure: bytes in, a Reply out, nothing stored. The caller keeps the raw message (attachments stay
with it) and decides what becomes input.

Libraries: inscriptis (Apache-2.0, with lxml) turns HTML-only replies into text as a reader
sees it. The reply parsers on PyPI were tried and not adopted: mail-parser-reply (1.36) misses
Gmail's Dutch "Op … schreef Naam <adres>:" and Apple Mail's "heeft … het volgende geschreven:",
cuts the rest of a mail at any line starting with "Bedankt," or "- " (a list) and knows no Dutch
disclaimers; email-reply-parser (0.5.12, 2020) is English only; quotequail finds quotes but
no signatures or disclaimers. So the rules are data in reply_rules.py.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from consult.mail.reply_auto import BOUNCE, Bounce, bounce_of, is_automatic
from consult.mail.reply_rules import FORWARD_SUBJECT
from consult.mail.reply_text import html_to_text, new_text

# Where the reply address (and its token) can be: the envelope first, then the headers.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")
AUTH_METHODS = ("spf", "dkim", "dmarc", "arc")
_SINGLE_BYTE = {"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso8859-1",
                "windows-1252", "cp1252", "iso-8859-15"}
_AUTH_RESULT = re.compile(r"\b(" + "|".join(AUTH_METHODS) + r")\s*=\s*([a-z]+)", re.IGNORECASE)
_COMMENT = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int  # bytes, decoded
    inline: bool  # shown in the body (a logo in a signature), not attached by the member


@dataclass(frozen=True)
class Reply:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_address: str | None
    from_name: str
    recipients: tuple[str, ...]  # in RECIPIENT_HEADERS order, each address once
    date: datetime | None
    text: str  # only the new text
    full_text: str  # the whole body as text, quotes and signature included
    from_html: bool  # the text came from an HTML body (no text part)
    forwarded: bool  # a forwarded mail, not a reply: not the sender's own words below
    attachments: tuple[Attachment, ...]
    authentication: dict[str, str] = field(default_factory=dict)  # "spf" → "pass", …
    automatic: str | None = None  # reply_auto.BOUNCE, AUTO_REPLY, … or None
    bounce: Bounce | None = None

    def recipient_on(self, domain: str) -> str | None:
        """The local part of the first recipient address on the reply domain (holds the token)."""
        for address in self.recipients:
            local, _, host = address.rpartition("@")
            if host.lower() == domain.lower() and local:
                return local
        return None

    @property
    def authentication_failed(self) -> bool:
        return any(result in ("fail", "softfail", "permerror") for result in
                   self.authentication.values())


def read_reply(raw: bytes, authserv_id: str | None = None) -> Reply:
    """Parse a raw RFC 5322 message. authserv_id: only trust Authentication-Results our own
    receiving server wrote (a sender can add such headers too); without it, the topmost."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    body, from_html = body_text(message)
    new = new_text(body_text(message, quotes=False)[0] if from_html else body)
    automatic = is_automatic(message)
    name, address = parseaddr(_header(message, "From"))
    return Reply(
        message_id=_header(message, "Message-ID") or None,
        in_reply_to=_header(message, "In-Reply-To") or None,
        references=tuple(_header(message, "References").split()),
        subject=" ".join(_header(message, "Subject").split()),
        from_address=address.lower() or None,
        from_name=name,
        recipients=recipients(message),
        date=_date(message),
        text=new.text,
        full_text=body,
        from_html=from_html,
        forwarded=new.forwarded or bool(FORWARD_SUBJECT.match(_header(message, "Subject"))),
        attachments=attachments(message),
        authentication=authentication(message, authserv_id),
        automatic=automatic,
        bounce=bounce_of(message) if automatic == BOUNCE else None,
    )


def body_text(message: EmailMessage, quotes: bool = True) -> tuple[str, bool]:
    """The body as text, preferring the text part; True when it had to come from HTML.
    quotes=False leaves the cited mail of an HTML body out (a text body is always whole)."""
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        text = decode(plain.get_payload(decode=True) or b"", plain.get_content_charset())
        if (plain.get_param("format") or "").lower() == "flowed":
            text = unflow(text, (plain.get_param("delsp") or "").lower() == "yes")
        if text.strip():
            return text.replace("\r\n", "\n"), False
    html = message.get_body(preferencelist=("html",))
    if html is None:
        return "", False
    # no text part, or an empty one beside the HTML (some web mailers send that)
    text = decode(html.get_payload(decode=True) or b"", html.get_content_charset())
    return html_to_text(text, quotes=quotes), True


def decode(data: bytes, declared: str | None) -> str:
    """Bytes as text. A declared charset is often wrong (Exchange labels windows-1252 as
    iso-8859-1, phones send UTF-8 labelled us-ascii, some name no known charset), so a
    single-byte label is tried as UTF-8 first, and nothing ever raises."""
    declared = (declared or "").lower()
    if not declared or declared in _SINGLE_BYTE:
        candidates = ["utf-8", "windows-1252"]
    else:
        candidates = [declared, "utf-8", "windows-1252"]
    for charset in candidates:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("windows-1252", errors="replace")


def unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines (ending in a space) of one quote depth."""
    joined: list[tuple[int, str]] = []
    soft = False
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        content = content[1:] if content.startswith(" ") else content  # space-stuffing
        if soft and joined and joined[-1][0] == depth:
            joined[-1] = (depth, joined[-1][1] + content)
        else:
            joined.append((depth, content))
        soft = content.endswith(" ") and content != "-- "
        if soft and delsp:
            joined[-1] = (depth, joined[-1][1][:-1])
    return "\n".join(">" * depth + (" " if depth else "") + content for depth, content in joined)


def attachments(message: Message) -> tuple[Attachment, ...]:
    """Every part that is not the text or HTML body; a mail inside a mail counts as one."""
    found: list[Attachment] = []
    for part in _leaves(message):
        disposition = part.get_content_disposition()
        filename = part.get_filename() or ""
        is_body = part.get_content_maintype() == "text" and part.get_content_subtype() in (
            "plain", "html") and disposition != "attachment" and not filename
        if is_body:
            continue
        found.append(Attachment(filename, part.get_content_type(), _size(part),
                                inline=disposition == "inline" or bool(part.get("Content-ID"))
                                and disposition != "attachment"))
    return tuple(found)


def _leaves(part: Message):
    if part.get_content_maintype() == "multipart":
        for child in part.get_payload():
            yield from _leaves(child)
    elif part.get_content_type() != "message/delivery-status":
        yield part


def _size(part: Message) -> int:
    payload = part.get_payload()
    if part.get_content_maintype() == "message" and isinstance(payload, list) and payload:
        return len(payload[0].as_bytes())
    return len(part.get_payload(decode=True) or b"")


def recipients(message: Message) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in RECIPIENT_HEADERS:
        values = [str(value) for value in message.get_all(name, [])]
        for _, address in getaddresses(values):
            if "@" in address:
                seen.setdefault(address.lower(), address)
    return tuple(seen.values())


def authentication(message: Message, authserv_id: str | None = None) -> dict[str, str]:
    """SPF/DKIM/DMARC results of one Authentication-Results header (RFC 8601): ours, or the
    topmost. A method with several results (two DKIM signatures) passes if one passes."""
    for value in message.get_all("Authentication-Results", []):
        server, _, results = str(value).partition(";")
        server_id = (server.split() or [""])[0].lower()
        if authserv_id and server_id != authserv_id.lower():
            continue
        outcome: dict[str, str] = {}
        for method, result in _AUTH_RESULT.findall(_COMMENT.sub("", results)):
            method, result = method.lower(), result.lower()
            if outcome.get(method) != "pass":
                outcome[method] = result
        return outcome
    return {}


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header too broken to parse
        return ""
    return str(value).strip() if value is not None else ""


def _date(message: Message) -> datetime | None:
    try:
        header = message.get("Date")
        return getattr(header, "datetime", None)
    except (ValueError, IndexError, TypeError):
        return None
