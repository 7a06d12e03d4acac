"""Replies by mail become input. The tick takes each received message once (a conditional
update) and, in the same transaction, stores the input and ends it processed, held (for
the delegate's inbox) or ignored, always with a reason: nothing is dropped, and a crash
leaves it received, to be taken again."""

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from consult.accounts.addresses import confirmed_addresses
from consult.accounts.models import User
from consult.comments.models import CommentKind
from consult.comments.services import DeadlinePassed, InputError, give_input, mark_no_input, send_late_input
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound import claim, received_ids
from consult.mail.inbound_models import InboundMessage, InboundStatus, ReplyToken, TokenPurpose
from consult.mail.replies import Reply, read_reply
from consult.mail.reply_input import ALL_ITEMS, is_no_input, parse_input
from consult.mail.services import queue_message
from consult.mail.signals import ReplyHold, reply_received
from consult.mail.tokens import token_for
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.services import meeting_title
from consult.pages import external_url
from consult.permissions import is_asked_for_input

log = logging.getLogger("consult.mail_replies")

UNKNOWN_ADDRESS = "Onbekend of ingetrokken antwoordadres"
NOT_THE_MEMBER = "Afzender {sender} is niet het adres van {name}"
AUTHENTICATION = "Echtheid afzender niet bevestigd ({results})"
TOO_MANY = "Meer dan {limit} antwoorden in een uur op dit adres"
FORWARDED = "Een doorgestuurd bericht, geen antwoord van het lid zelf"
NO_TEXT = "Geen tekst gevonden"
UNASSIGNED = "Niet duidelijk voor welk agendapunt"
NOT_ASKED = "Agendapunt {label} vraagt geen inbreng"
CLOSED = "De vergadering vraagt geen inbreng meer"
FAILED = "Verwerken mislukt"
UNKNOWN_PURPOSE = "Een antwoord dat Consult niet kan verwerken"


class Hold(Exception):
    """The reply waits for the delegate; the message says why (Dutch)."""


@dataclass
class Part:
    meeting: Meeting
    item: AgendaItem | None  # None: the whole meeting ("geen inbreng")
    text: str
    no_input: bool


@dataclass
class Verdict:
    status: InboundStatus
    reason: str = ""
    stored: list[dict] = field(default_factory=list)
    confirm: bool = False  # tell the member (only when the mail is really from them)


def process_replies(now: datetime | None = None) -> dict[str, int]:
    """Every received message, each in its own transaction. Returns counts per outcome."""
    now = now or utcnow()
    counts: Counter = Counter()
    for message_id in received_ids():
        try:
            status = process_one(message_id, now)
            db.session.commit()
        except SQLAlchemyError:  # the database, not the mail: it stays received
            db.session.rollback()
            log.exception("processing reply %s failed; the next tick tries again", message_id)
            break
        except Exception as error:  # noqa: BLE001 - held with the error, never lost
            db.session.rollback()
            log.exception("processing reply %s failed", message_id)
            status = hold_failed(message_id, error)
        if status:
            counts[f"replies_{status.value}"] += 1
    return dict(counts)


def hold_failed(message_id: int, error: Exception) -> InboundStatus | None:
    if not claim(message_id):
        db.session.rollback()
        return None
    message = db.session.get(InboundMessage, message_id)
    message.status, message.reason = InboundStatus.HELD, FAILED
    message.error = f"{type(error).__name__}: {error}"[:2000]
    db.session.commit()
    return InboundStatus.HELD


def process_one(message_id: int, now: datetime) -> InboundStatus | None:
    """Claim, judge, store: the caller commits. None: another tick had it."""
    if not claim(message_id):
        return None
    message = db.session.get(InboundMessage, message_id)
    reply = read_reply(message.raw, current_app.config["MAIL_AUTHSERV_ID"])
    message.sender = (reply.from_address or message.envelope_from or "")[:254]
    message.subject = reply.subject[:300]
    verdict = judge(message, reply, now)
    message.status, message.reason = verdict.status, verdict.reason[:300]
    message.outcome = json.dumps(verdict.stored) if verdict.stored else ""
    if verdict.confirm:
        confirm(message, verdict)
    return verdict.status


def judge(message: InboundMessage, reply: Reply, now: datetime) -> Verdict:
    if reply.automatic:
        return automatic(message, reply)
    token = find_token(message, reply)
    if token is None:
        return Verdict(InboundStatus.HELD, UNKNOWN_ADDRESS)
    message.token_id, message.user_id, message.meeting_id = token.id, token.user_id, \
        token.meeting_id
    member = db.session.get(User, token.user_id)
    # The member's own address or an extra one the member confirmed (accounts.addresses).
    if (reply.from_address or "").lower() not in confirmed_addresses(member.id):
        return Verdict(InboundStatus.HELD, NOT_THE_MEMBER.format(
            sender=reply.from_address or "(geen)", name=member.name))
    if reply.authentication_failed:
        results = ", ".join(f"{k}={v}" for k, v in sorted(reply.authentication.items()))
        return Verdict(InboundStatus.HELD, AUTHENTICATION.format(results=results))
    limit = current_app.config["REPLY_LIMIT_PER_HOUR"]
    if recent_replies(token, message, now) >= limit:
        return Verdict(InboundStatus.HELD, TOO_MANY.format(limit=limit))
    try:
        if reply.forwarded:
            raise Hold(FORWARDED)
        meeting = db.session.get(Meeting, token.meeting_id)
        if token.purpose != TokenPurpose.INPUT:
            stored = answered_elsewhere(token, member, meeting, reply.text, now)
        else:
            stored = store_parts(member, plan(reply.text, member, meeting), now)
    except (Hold, ReplyHold) as hold:
        return Verdict(InboundStatus.HELD, str(hold), confirm=True)
    return Verdict(InboundStatus.PROCESSED, stored=stored, confirm=True)


def answered_elsewhere(token: ReplyToken, member: User, meeting: Meeting, text: str,
                       now: datetime) -> list[dict]:
    """A reply to a token of another purpose (the concept ter inzage) is answered by the
    domain that connected to mail.signals.reply_received for it."""
    results = reply_received.send(token.purpose, member=member, meeting=meeting, text=text,
                                  now=now)
    stored = next((result for _receiver, result in results if result is not None), None)
    if stored is None:
        raise Hold(UNKNOWN_PURPOSE)
    return stored


def automatic(message: InboundMessage, reply: Reply) -> Verdict:
    """Auto-replies and bounces never become input; a bounce counts against its address."""
    if reply.bounce is not None:
        address = (reply.bounce.recipient or "").lower() or None
        message.bounced_address = address
        return Verdict(InboundStatus.IGNORED, f"Onbestelbaar: {address or 'onbekend adres'}")
    return Verdict(InboundStatus.IGNORED, f"Automatisch bericht ({reply.automatic})")


def find_token(message: InboundMessage, reply: Reply) -> ReplyToken | None:
    """The first address on the reply domain that names a token: the envelope
    recipients first, then the headers (Delivered-To, To, Cc, …)."""
    domain = (current_app.config.get("REPLY_DOMAIN") or "").lower()
    for address in [*message.envelope_to.split("\n"), *reply.recipients]:
        local, _, host = address.strip().rpartition("@")
        if local and domain and host.lower() == domain:
            token = token_for(local.lower())
            if token is not None:
                return token
    return None


def recent_replies(token: ReplyToken, message: InboundMessage, now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(InboundMessage).where(
        InboundMessage.token_id == token.id, InboundMessage.id != message.id,
        InboundMessage.received_at >= now - timedelta(hours=1)))


def plan(text: str, member: User, meeting: Meeting) -> list[Part]:
    """Which text goes on which item; Hold when any part has no clear place (then
    nothing is stored and the delegate sees the whole reply)."""
    if meeting.published_at is None or meeting.cancelled_at:
        raise Hold(CLOSED)
    asking = [item for item in meeting.items if is_asked_for_input(member, item)]
    by_label = {item.label: item for item in meeting.items if item.label}
    parts = parse_input(text, list(by_label))
    if not parts:
        raise Hold(NO_TEXT)
    planned = []
    for part in parts:
        if part.label == ALL_ITEMS:
            planned.append(Part(meeting, None, part.text, no_input=True))
            continue
        if part.label is None:
            if len(parts) != 1 or len(asking) != 1:
                raise Hold(UNASSIGNED)
            item = asking[0]
        else:
            item = by_label[part.label]
            if item not in asking:
                raise Hold(NOT_ASKED.format(label=item.label))
        planned.append(Part(meeting, item, part.text, no_input=is_no_input(part.text)))
    return planned


def store_parts(member: User, parts: list[Part], now: datetime) -> list[dict]:
    """All parts or none (a savepoint): an input the rules refuse holds the reply."""
    stored = []
    try:
        with db.session.begin_nested():
            for part in parts:
                stored.append(store_part(member, part, now))
    except InputError as error:
        raise Hold(str(error)) from error
    return stored


def store_part(member: User, part: Part, now: datetime) -> dict:
    entry = {"item_id": part.item.id if part.item else None,
             "label": part.item.label if part.item else None}
    if part.no_input:
        if now >= part.meeting.input_deadline:  # nothing left to say "no" to
            return {**entry, "action": "no_input_closed"}
        mark_no_input(member, part.meeting, part.item, now=now)
        return {**entry, "action": "no_input"}
    try:
        comment = give_input(member, part.item, kind=CommentKind.INPUT, text=part.text, now=now)
    except DeadlinePassed:
        comment = send_late_input(member, part.item, kind=CommentKind.INPUT, text=part.text,
                                  now=now)
    return {**entry, "action": "late_input" if comment.late else "input",
            "comment_id": comment.id}


ACTIONS = {"input": "opgeslagen als inbreng", "late_input": "opgeslagen als late inbreng "
           "(na de deadline; de gedelegeerde ziet hem)", "no_input": "geen inbreng genoteerd",
           "no_input_closed": "niets genoteerd: de termijn was al gesloten",
           "review_akkoord": "akkoord gegeven op het concept",
           "review_bezwaar": "bezwaar gemaakt tegen het concept"}


def confirm(message: InboundMessage, verdict: Verdict) -> None:
    """One confirmation per processed reply (the key says so), to the member's address:
    what was stored where, with links to change it, or why nothing was stored."""
    member = db.session.get(User, message.user_id)
    meeting = db.session.get(Meeting, message.meeting_id)
    items = {item.id: item for item in meeting.items}
    stored = [{**entry, "item": items.get(entry["item_id"]), "what": ACTIONS[entry["action"]],
               "edit_url": external_url("comments.edit", comment_id=entry["comment_id"])
               if entry.get("comment_id") else None} for entry in verdict.stored]
    title = meeting_title(meeting)
    queue_message(
        kind="reply_confirmation", recipient=member.email, user_id=member.id,
        subject=f"Ontvangen: uw antwoord over {title}", template="reply_confirmation",
        context={"user": member, "meeting": meeting, "title": title, "stored": stored,
                 "reason": verdict.reason, "url": external_url(
                     "meetings.meeting", meeting_id=meeting.id)},
        idempotency_key=f"reply_confirmation:{message.id}",
        headers=reply_headers(message),
    )


def reply_headers(message: InboundMessage) -> dict[str, str]:
    # An answer to a mail: auto-responders must not answer it in turn (RFC 3834).
    headers = {"Auto-Submitted": "auto-replied"}
    if not message.dedup_key.startswith("sha256:"):
        headers["In-Reply-To"] = message.dedup_key
    return headers
