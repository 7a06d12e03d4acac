"""The delegate's inbox: replies by mail the tick held (a stranger's address, no clear
item, a failed check), each with why; she assigns one to a member and an item (input
"namens", through enter_on_behalf) or ignores it. Nothing leaves the inbox unrecorded."""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from consult.accounts.models import User
from consult.comments.models import Comment, CommentKind, OnBehalf
from consult.comments.services import InputError, enter_on_behalf
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import InboundMessage, InboundStatus
from consult.mail.replies import Attachment, read_reply
from consult.meetings.models import AgendaItem, Meeting
from consult.permissions import can_handle_reply

RECEIVED_VIA = "per e-mail (antwoord)"


class AlreadyHandled(InputError):
    def __init__(self):
        super().__init__("Dit bericht is al afgehandeld.")


@dataclass
class HeldReply:
    message: InboundMessage
    meeting: Meeting | None
    member: User | None
    text: str  # only the new text
    full_text: str
    attachments: tuple[Attachment, ...]


def held_replies(user: User) -> list[HeldReply]:
    """Held replies the user may handle, newest first."""
    messages = db.session.scalars(
        select(InboundMessage).where(InboundMessage.status == InboundStatus.HELD)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())).all()
    return [held_reply(message) for message in messages if can_handle_reply(user, message)]


def held_reply(message: InboundMessage) -> HeldReply:
    reply = read_reply(message.raw)
    return HeldReply(
        message=message,
        meeting=db.session.get(Meeting, message.meeting_id) if message.meeting_id else None,
        member=db.session.get(User, message.user_id) if message.user_id else None,
        text=reply.text, full_text=reply.full_text,
        attachments=tuple(a for a in reply.attachments if not a.inline))


def assignable_items(meeting: Meeting) -> list[AgendaItem]:
    return [item for item in meeting.items if item.open_for_input]


def assign(delegate: User, message: InboundMessage, *, item: AgendaItem, author: User,
           text: str, now: datetime | None = None) -> Comment:
    """Input "namens" the member on the item (late after the deadline); the reply is
    processed, with who did it."""
    now = now or utcnow()
    if message.status != InboundStatus.HELD:
        raise AlreadyHandled()
    if message.meeting_id is None or item.meeting_id != message.meeting_id \
            or not item.open_for_input:
        raise InputError("Kies een agendapunt van deze vergadering dat om inbreng vraagt.")
    comment = enter_on_behalf(delegate, item, author=author, kind=CommentKind.INPUT,
                              text=text, on_behalf=OnBehalf.SELF, received_via=RECEIVED_VIA,
                              now=now)
    stored = json.loads(message.outcome) if message.outcome else []
    stored.append({"item_id": item.id, "label": item.label, "comment_id": comment.id,
                   "action": "assigned", "author_id": author.id})
    message.outcome = json.dumps(stored)
    handled(message, delegate, InboundStatus.PROCESSED, now)
    return comment


def ignore(delegate: User, message: InboundMessage, now: datetime | None = None) -> None:
    if message.status != InboundStatus.HELD:
        raise AlreadyHandled()
    handled(message, delegate, InboundStatus.IGNORED, now or utcnow())
    message.reason = f"Genegeerd door {delegate.name} ({message.reason})"[:300]


def handled(message: InboundMessage, delegate: User, status: InboundStatus,
            now: datetime) -> None:
    message.status, message.handled_by_id, message.handled_at = status, delegate.id, now
