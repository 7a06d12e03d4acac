"""Answering the concept ter inzage by reply mail: the draft-review mail carries a
personal Reply-To of its own purpose; a real raw reply "akkoord" or "bezwaar: …" goes
through the reply processing of the tick and becomes the answer (comments.mail_replies
hands it on with mail.signals.reply_received; it never becomes input)."""

import json
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from consult.accounts.models import User
from consult.comments.models import Comment
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import InboundStatus, ReplyToken, TokenPurpose
from consult.mail.models import OutboxMessage
from consult.meetings.models import Meeting
from consult.reminders.firing import fire_reminder
from consult.reminders.models import Anchor, Audience, Reminder, ReminderRule
from consult.reminders.planning import plan_reminders
from consult.statements.models import DraftReviewAnswer
from consult.statements.review_replies import read_answer
from tests.test_mail_reply_processing import DOMAIN, receive
from tests.test_statements_draft_review import answer_by, prepare

QUOTED = ("\n\nOp 3 december 2026 om 10:00 schreef Consult <noreply@consult.example.org>:\n"
          "> Concept ter inzage\n> Akkoord of bezwaar: http://localhost/concept/x\n")


@pytest.fixture
def app_config():
    return {"REPLY_DOMAIN": DOMAIN}


@pytest.fixture
def sent(app, client, auth, world, users):
    """Both items' concepts sent to the member (items 1 and 2) and the chair (item 1)."""
    prepare(app, client, auth, world, users)
    assert client.post(f"/vergaderingen/{world['meeting']}/ter-inzage",
                       data=answer_by()).status_code == 303
    with app.app_context():
        member = db.session.get(User, users["member"])
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "draft_review", OutboxMessage.recipient == member.email))
        return {"email": member.email, "address": json.loads(message.headers)["Reply-To"],
                "message": message.body_text, "member": member.id}


def raw_reply(sent, body: str, sender: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = f"Anouk Smit <{sender or sent['email']}>"
    message["To"] = sent["address"]
    message["Subject"] = "RE: Concept ter inzage"
    message["Message-ID"] = f"<{abs(hash((body, sender)))}@westerkwartier.example.org>"
    message.set_content(body + QUOTED)
    return message.as_bytes()


def answers(app, user_id) -> dict[str, tuple[str | None, str]]:
    with app.app_context():
        rows = db.session.scalars(select(DraftReviewAnswer).where(
            DraftReviewAnswer.user_id == user_id)).all()
        return {row.review.item.label: (row.answer, row.note) for row in rows}


def test_the_review_mail_has_its_own_reply_address_and_says_how(app, sent):
    with app.app_context():
        token = db.session.scalar(select(ReplyToken).where(
            ReplyToken.user_id == sent["member"]))
        assert token.purpose == TokenPurpose.DRAFT_REVIEW
    assert sent["address"].endswith("@" + DOMAIN)
    assert 'Schrijf "akkoord", of "bezwaar:"' in sent["message"]


def test_a_reply_akkoord_agrees_to_every_item_of_the_mail(app, sent):
    row = receive(app, raw_reply(sent, "Akkoord!\n\nMet vriendelijke groet,\nAnouk"))
    assert row.status == InboundStatus.PROCESSED, row.reason
    assert answers(app, sent["member"]) == {"1": ("akkoord", ""), "2": ("akkoord", "")}
    with app.app_context():
        assert db.session.scalar(select(Comment).where(Comment.text.like("%kkoord%"))) is None
        confirmation = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "reply_confirmation"))
        assert "akkoord gegeven op het concept" in confirmation.body_text


def test_a_reply_bezwaar_with_a_note_per_item(app, sent):
    row = receive(app, raw_reply(sent, '1: "Bezwaar": noem ook de kleine gemeenten\n'
                                       "2: akkoord"))
    assert row.status == InboundStatus.PROCESSED, row.reason
    assert answers(app, sent["member"]) == {
        "1": ("bezwaar", "noem ook de kleine gemeenten"), "2": ("akkoord", "")}


def test_an_unclear_reply_is_held_and_nothing_is_answered(app, sent):
    row = receive(app, raw_reply(sent, "Ik bel u morgen even."))
    assert row.status == InboundStatus.HELD
    assert "akkoord" in row.reason
    assert answers(app, sent["member"]) == {"1": (None, ""), "2": (None, "")}


def test_another_sender_is_held(app, sent):
    row = receive(app, raw_reply(sent, "akkoord", sender="iemand@elders.example.org"))
    assert row.status == InboundStatus.HELD and "niet het adres" in row.reason
    assert answers(app, sent["member"]) == {"1": (None, ""), "2": (None, "")}


def test_after_the_answer_by_time_the_reply_is_held(app, sent):
    row = receive(app, raw_reply(sent, "akkoord"), now=utcnow() + timedelta(days=3))
    assert row.status == InboundStatus.HELD and "ter inzage" in row.reason


@pytest.mark.parametrize(("text", "expected"), [
    ("akkoord", ("akkoord", "")), ("AKKOORD.", ("akkoord", "")),
    ("'akkoord'", ("akkoord", "")), ("Geen bezwaar", ("akkoord", "")),
    ("bezwaar: te vaag", ("bezwaar", "te vaag")), ("\u201cBezwaar\u201d \u2013 te vaag",
                                                   ("bezwaar", "te vaag")),
    ("Misschien", None)])
def test_reading_the_answer(text, expected):
    assert read_answer(text) == expected


def test_input_replies_are_unchanged_by_the_purpose(app, sent, world):
    """The member's input token for the same meeting still gives input."""
    from consult.mail.tokens import reply_address

    with app.test_request_context():
        meeting = db.session.get(Meeting, world["meeting"])
        address = reply_address(meeting.id, sent["member"])
        db.session.commit()
    assert address != sent["address"]


def test_the_reminder_to_answer_carries_the_review_address(app, sent, world):
    """A reminder rule "concept nog niet beantwoord": its Reply-To answers the review,
    it never gives input."""
    with app.test_request_context():
        meeting = db.session.get(Meeting, world["meeting"])
        offset = int((utcnow() + timedelta(days=1) - meeting.input_deadline).total_seconds() // 60)
        rule = ReminderRule(body=meeting.body, anchor=Anchor.DEADLINE, offset_minutes=offset,
                            audience=Audience.REVIEW_OPEN, subject="Concept: {vergadering}",
                            message="Wilt u nog antwoorden op het concept?")
        db.session.add(rule)
        db.session.flush()
        plan_reminders(meeting)
        db.session.commit()
        reminder = db.session.scalar(select(Reminder).where(Reminder.rule_id == rule.id))
        due = reminder.due_at
        fire_reminder(reminder.id, due)
        db.session.commit()
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "reminder", OutboxMessage.recipient == sent["email"]))
        assert json.loads(message.headers)["Reply-To"] == sent["address"]
        assert 'schrijf "akkoord", of "bezwaar:"' in message.body_text
        assert "geen inbreng" not in message.body_text
    row = receive(app, raw_reply(sent, "akkoord"), now=due)
    assert row.status == InboundStatus.PROCESSED, row.reason
    assert answers(app, sent["member"]) == {"1": ("akkoord", ""), "2": ("akkoord", "")}
