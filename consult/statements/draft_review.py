"""Concept ter inzage: the delegate sends the concept statement of one item (or of all
items) to the item's contributors, who answer "akkoord" or "bezwaar" with an optional
note from a signed link in the mail. The link opens a page with a POST button: a mail
scanner that follows the link (GET) registers nothing."""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.accounts.models import User
from consult.comments.models import Comment
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import TokenPurpose
from consult.mail.services import queue_message
from consult.mail.tokens import reply_addresses
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.services import meeting_title, record_change
from consult.pages import external_url
from consult.statements.models import DraftReview, DraftReviewAnswer, Statement
from consult.statements.services import require, statements_editable
from consult.text import markdown_text

AGREE, OBJECT = "akkoord", "bezwaar"
ANSWERS = (AGREE, OBJECT)
MAX_NOTE = 2000


def digest(token: str) -> str:
    """Only the digest of a link's token is stored: a copy of the database opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def contributors(item_ids: list[int]) -> dict[int, list[User]]:
    """Per item: the active members with live input on it, by name (one query)."""
    rows = db.session.execute(
        select(Comment.item_id, User).join(User, User.id == Comment.author_id)
        .where(Comment.item_id.in_(item_ids), Comment.withdrawn_at.is_(None),
               User.active.is_(True))
        .distinct().order_by(User.name)).all()
    result: dict[int, list[User]] = {}
    for item_id, user in rows:
        result.setdefault(item_id, []).append(user)
    return result


def reviewable_items(meeting: Meeting) -> list[AgendaItem]:
    """Items whose concept can be sent: asking input, with a saved text."""
    items = [item for item in meeting.items if item.open_for_input]
    with_text = set(db.session.scalars(select(Statement.item_id).where(
        Statement.item_id.in_([i.id for i in items]),
        Statement.current_revision_id.is_not(None))))
    return [item for item in items if item.id in with_text]


@dataclass
class Sent:
    reviews: int = 0
    messages: int = 0
    entries: dict[int, list[dict]] = field(default_factory=dict)  # user id -> items


def send_for_review(items: list[AgendaItem], delegate: User, answer_by: datetime,
                    now: datetime | None = None) -> Sent:
    """A review per item that has a concept and contributors; one message per
    contributor naming every item they gave input on, each with its own link."""
    now = now or utcnow()
    require(bool(items), "Er is geen concept om ter inzage te sturen.")
    meeting = items[0].meeting
    require(statements_editable(meeting, now), "De inbreng kan niet meer worden gewijzigd.")
    require(answer_by > now, "Kies een moment in de toekomst om te antwoorden.")
    require(answer_by <= meeting.starts_at, "Laat antwoorden vóór de vergadering begint.")
    statements = {s.item_id: s for s in db.session.scalars(
        select(Statement).where(Statement.item_id.in_([i.id for i in items]))
        .options(selectinload(Statement.current_revision)))}
    people = contributors([item.id for item in items])
    sent, users = Sent(), {}
    for item in items:
        statement = statements.get(item.id)
        if statement is None or statement.current_revision is None or not people.get(item.id):
            continue
        review = DraftReview(item=item, revision=statement.current_revision,
                             sent_by_id=delegate.id, sent_at=now, answer_by=answer_by)
        db.session.add(review)
        sent.reviews += 1
        for user in people[item.id]:
            token = secrets.token_urlsafe(32)
            review.answers.append(DraftReviewAnswer(user_id=user.id, token_digest=digest(token)))
            users[user.id] = user
            sent.entries.setdefault(user.id, []).append({
                "item": item, "review": review, "text": statement.text,
                "plain": markdown_text(statement.text),
                "url": external_url("reviews.answer", token=token)})
    require(sent.reviews > 0, "Geen concept met indieners om ter inzage te sturen.")
    db.session.flush()
    record_change(meeting, delegate, f"concept ter inzage ({sent.reviews} punten)")
    queue_review_messages(meeting, users, sent, answer_by)
    return sent


def queue_review_messages(meeting: Meeting, users: dict[int, User], sent: Sent,
                          answer_by: datetime) -> None:
    title = meeting_title(meeting)
    replies = reply_addresses(meeting.id, list(sent.entries), TokenPurpose.DRAFT_REVIEW)
    for user_id, entries in sent.entries.items():
        user = users[user_id]
        labels = ", ".join(entry["item"].label for entry in entries)
        queue_message(
            kind="draft_review", recipient=user.email, user_id=user.id,
            subject=f"Concept ter inzage: {title} (punt {labels})",
            template="draft_review",
            context={"user": user, "meeting": meeting, "title": title, "entries": entries,
                     "answer_by": answer_by, "reply_address": replies.get(user_id)},
            idempotency_key=f"draft_review:{entries[0]['review'].id}:{user.id}",
            meeting_id=meeting.id,
            # A reply "akkoord" or "bezwaar: …" answers (statements.review_replies).
            headers={"Reply-To": replies[user_id]} if user_id in replies else None)
        sent.messages += 1


def answer_for_token(token: str) -> DraftReviewAnswer | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(DraftReviewAnswer).where(
        DraftReviewAnswer.token_digest == digest(token))
        .options(selectinload(DraftReviewAnswer.review).selectinload(DraftReview.revision)))


def latest_review_id(item_id: int) -> int | None:
    return db.session.scalar(select(func.max(DraftReview.id)).where(
        DraftReview.item_id == item_id))


def answer_state(answer: DraftReviewAnswer, now: datetime | None = None) -> str:
    """"open" while an answer can be given or changed; else why not."""
    now = now or utcnow()
    if latest_review_id(answer.review.item_id) != answer.review_id:
        return "vervangen"
    if now > answer.review.answer_by:
        return "verlopen"
    return "open"


def record_answer(answer: DraftReviewAnswer, value: str, note: str = "",
                  now: datetime | None = None) -> None:
    """Akkoord or bezwaar, with a note; may be changed until the answer-by time."""
    now = now or utcnow()
    require(value in ANSWERS, "Kies akkoord of bezwaar.")
    state = answer_state(answer, now)
    require(state != "vervangen", "Er is een nieuwere versie ter inzage gestuurd; "
                                  "antwoord via de link in die mail.")
    require(state != "verlopen", "De termijn om te antwoorden is voorbij.")
    answer.answer, answer.note, answer.answered_at = value, note.strip()[:MAX_NOTE], now


@dataclass
class Tally:
    review: DraftReview
    answers: list[DraftReviewAnswer]

    def count(self, value: str | None) -> int:
        return sum(1 for answer in self.answers if answer.answer == value)

    @property
    def notes(self) -> list[DraftReviewAnswer]:
        return [answer for answer in self.answers if answer.answer]

    @property
    def outdated(self) -> bool:
        """The concept changed since it was sent."""
        statement = db.session.scalar(select(Statement.current_revision_id).where(
            Statement.item_id == self.review.item_id))
        return statement != self.review.revision_id


def review_tally(item: AgendaItem) -> Tally | None:
    """The latest review of an item with its answers, for beside the editor."""
    review = db.session.scalar(
        select(DraftReview).where(DraftReview.item_id == item.id)
        .order_by(DraftReview.id.desc()).limit(1)
        .options(selectinload(DraftReview.answers).selectinload(DraftReviewAnswer.user),
                 selectinload(DraftReview.revision)))
    return Tally(review, list(review.answers)) if review else None


def unanswered(meeting: Meeting, now: datetime | None = None) -> list[User]:
    """The audience of a reminder rule "concept nog niet beantwoord": contributors with
    an open answer on the latest review of an item of this meeting (one query)."""
    now = now or utcnow()
    latest = (select(func.max(DraftReview.id)).join(AgendaItem)
              .where(AgendaItem.meeting_id == meeting.id).group_by(DraftReview.item_id))
    return list(db.session.scalars(
        select(User).join(DraftReviewAnswer, DraftReviewAnswer.user_id == User.id)
        .join(DraftReview, DraftReview.id == DraftReviewAnswer.review_id)
        .where(DraftReview.id.in_(latest), DraftReview.answer_by > now,
               DraftReviewAnswer.answer.is_(None), User.active.is_(True))
        .distinct().order_by(User.name)))
