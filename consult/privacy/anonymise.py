"""Anonymising a former member (AVG): name and address replaced, everything that only
served them (sessions, links, preferences, reply addresses) removed, mail to and from
them emptied. Their input stays as "oud-lid, <organisatie>" in the bodies that keep it
(Body.keep_former_member_input) and is removed in the others. One MemberEvent records
it. An admin does it on the member's page; the scheduler does it for members deactivated
longer than RETENTION_DAYS_AFTER_DEACTIVATION ago."""

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, union, update

from consult.accounts.models import LoginLink, LoginSession, MemberAddress, MemberEvent, User
from consult.comments.models import Comment, NoInput
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import InboundMessage, ReplyToken
from consult.mail.models import MailOptOut, OutboxAttachment, OutboxMessage, OutboxStatus
from consult.meetings.models import AgendaItem, Body, Meeting, body_delegate
from consult.reminders.models import DigestEntry, ReminderPreference
from consult.statements.models import DeskVisit, DraftReview, DraftReviewAnswer, StatementDraft

log = logging.getLogger("consult.privacy")

ANONYMISED = "geanonimiseerd"
REMOVED_TEXT = "[verwijderd bij anonimisering]"


class AnonymiseError(ValueError):
    """The member cannot be anonymised (still active, or already done); Dutch message."""


def former_member_name(user: User) -> str:
    return f"oud-lid, {user.organisation.value}"


def anonymous_address(user: User) -> str:
    """Unique (the column is) and undeliverable (RFC 2606: .invalid)."""
    return f"oud-lid-{user.id}@anoniem.invalid"


def anonymise_member(user: User, by: User | None, now: datetime | None = None,
                     note: str = "") -> MemberEvent:
    """Anonymise `user` in the caller's transaction. Raises AnonymiseError (nothing
    written) for an active or an already anonymised member. A conditional update claims
    the member, so two schedulers (or an admin and a scheduler) do it once."""
    now = now or utcnow()
    if user.active:
        raise AnonymiseError("Deactiveer het lid eerst; alleen oud-leden worden geanonimiseerd.")
    claimed = db.session.execute(
        update(User).where(User.id == user.id, User.anonymised_at.is_(None), User.active.is_(False))
        .values(anonymised_at=now))
    if claimed.rowcount != 1:
        db.session.refresh(user)
        raise AnonymiseError("Dit oud-lid is al geanonimiseerd.")
    old_email, old_name = user.email, user.name
    kept, removed = handle_input(user)
    forget_mail(user, old_email)
    scrub_name(old_name, former_member_name(user), old_email, anonymous_address(user))
    forget_account(user, old_email)
    user.name = former_member_name(user)
    user.email = anonymous_address(user)
    user.municipality = ""
    user.region_id = user.chairs_region_id = None
    user.password_hash = user.calendar_token = None
    user.notify_on_reply = False
    parts = [note] if note else []
    if kept:
        parts.append(f"inbreng bewaard als '{user.name}': {', '.join(kept)}")
    if removed:
        parts.append(f"inbreng verwijderd: {', '.join(removed)}")
    event = MemberEvent(user_id=user.id, actor_id=by.id if by else None, at=now,
                        action=ANONYMISED, note="; ".join(parts))
    db.session.add(event)
    db.session.flush()
    return event


def _bodies_with_input(user: User) -> list[Body]:
    """Bodies on whose meetings the member gave input, answered a review or said "geen
    inbreng"."""
    meeting_ids = union(
        select(AgendaItem.meeting_id).join(Comment, Comment.item_id == AgendaItem.id)
        .where(Comment.author_id == user.id),
        select(NoInput.meeting_id).where(NoInput.user_id == user.id),
        select(AgendaItem.meeting_id).join(DraftReview, DraftReview.item_id == AgendaItem.id)
        .join(DraftReviewAnswer, DraftReviewAnswer.review_id == DraftReview.id)
        .where(DraftReviewAnswer.user_id == user.id))
    return list(db.session.scalars(
        select(Body).join(Meeting, Meeting.body_id == Body.id)
        .where(Meeting.id.in_(meeting_ids)).distinct().order_by(Body.name)))


def handle_input(user: User) -> tuple[list[str], list[str]]:
    """Keep or remove the member's input per body; returns the bodies' names (kept,
    removed). Removed are their comments (with every version), their "geen inbreng" and
    their answers to concept reviews."""
    kept, removed = [], []
    for body in _bodies_with_input(user):
        if body.keep_former_member_input:
            kept.append(body.short_name)
            continue
        removed.append(body.short_name)
        items = select(AgendaItem.id).join(Meeting).where(Meeting.body_id == body.id)
        meetings = select(Meeting.id).where(Meeting.body_id == body.id)
        comment_ids = list(db.session.scalars(select(Comment.id).where(
            Comment.author_id == user.id, Comment.item_id.in_(items))))
        db.session.execute(delete(Comment).where(Comment.id.in_(comment_ids))
                           .execution_options(synchronize_session=False))
        db.session.execute(delete(NoInput).where(NoInput.user_id == user.id,
                                                 NoInput.meeting_id.in_(meetings)))
        reviews = select(DraftReview.id).where(DraftReview.item_id.in_(items))
        db.session.execute(delete(DraftReviewAnswer).where(
            DraftReviewAnswer.user_id == user.id, DraftReviewAnswer.review_id.in_(reviews)))
    return kept, removed


def forget_mail(user: User, old_email: str) -> None:
    """Mail to them keeps its row (counts, the meeting's overview) without address or
    text; mail from them keeps its row (a redelivery is still recognised) without the
    message itself."""
    to_them = select(OutboxMessage.id).where(or_(OutboxMessage.user_id == user.id,
                                                 OutboxMessage.recipient == old_email))
    db.session.execute(delete(OutboxAttachment).where(OutboxAttachment.message_id.in_(to_them)))
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(to_them))
        .values(recipient=anonymous_address(user), body_text=REMOVED_TEXT,
                body_html="", headers="")
        .execution_options(synchronize_session=False))
    db.session.execute(  # nothing more goes out to the old address
        update(OutboxMessage).where(OutboxMessage.id.in_(to_them),
                                    OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.FAILED, last_error="Het lid is geanonimiseerd.")
        .execution_options(synchronize_session=False))
    db.session.execute(
        update(InboundMessage).where(or_(InboundMessage.user_id == user.id,
                                         InboundMessage.sender == old_email))
        .values(raw=b"", sender="", envelope_from="", subject="", outcome="", error="")
        .execution_options(synchronize_session=False))


def scrub_name(old_name: str, new_name: str, old_email: str, new_email: str) -> None:
    """Mail to others that names the member (new input by her, a chair's list of who has
    not responded, digests) gets the new name. Only a full name of two words or more:
    a single first name would also change other words."""
    replacements = [(old_email, new_email)]
    if len(old_name.split()) >= 2:
        replacements.append((old_name, new_name))
    for old, new in replacements:
        for model in (OutboxMessage, DigestEntry):
            db.session.execute(
                update(model).where(or_(model.body_text.contains(old, autoescape=True),
                                        model.body_html.contains(old, autoescape=True)))
                .values(body_text=func.replace(model.body_text, old, new),
                        body_html=func.replace(model.body_html, old, new))
                .execution_options(synchronize_session=False))


def forget_account(user: User, old_email: str) -> None:
    """What only served the member: sessions, links, extra addresses, preferences,
    opt-outs, digest entries, reply addresses, visits, unsaved statement drafts; and
    their place as a delegate."""
    for model, column in ((LoginSession, LoginSession.user_id), (LoginLink, LoginLink.user_id),
                          (MemberAddress, MemberAddress.user_id),
                          (ReminderPreference, ReminderPreference.user_id),
                          (MailOptOut, MailOptOut.user_id), (DigestEntry, DigestEntry.user_id),
                          (ReplyToken, ReplyToken.user_id), (DeskVisit, DeskVisit.user_id),
                          (StatementDraft, StatementDraft.user_id)):
        db.session.execute(delete(model).where(column == user.id)
                           .execution_options(synchronize_session=False))
    db.session.execute(delete(body_delegate).where(body_delegate.c.user_id == user.id))


def retention_cutoff(now: datetime) -> datetime | None:
    days = current_app.config["RETENTION_DAYS_AFTER_DEACTIVATION"]
    return None if days is None else now - timedelta(days=int(days))


def anonymise_expired(now: datetime | None = None) -> int:
    """The scheduler's step: anonymise every member deactivated before the retention
    period, each in its own committed transaction. Running it again (or in two
    schedulers at once) anonymises nobody twice. Returns how many it anonymised."""
    now = now or utcnow()
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return 0
    due = list(db.session.scalars(select(User.id).where(
        User.active.is_(False), User.anonymised_at.is_(None),
        User.deactivated_at.is_not(None), User.deactivated_at <= cutoff).order_by(User.id)))
    db.session.commit()
    done = 0
    for user_id in due:
        try:
            anonymise_member(db.session.get(User, user_id), by=None, now=now,
                             note="bewaartermijn na deactivering verstreken")
            db.session.commit()
            done += 1
        except AnonymiseError:  # another scheduler was first, or reactivated meanwhile
            db.session.rollback()
    return done
