"""The LMTP/SMTP receiver against a real smtplib client: a message is a committed row
before the 250; a redelivery stores nothing twice; a database failure answers 4xx."""

import smtplib
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select, text

from consult.comments.models import Comment
from consult.database import utcnow
from consult.extensions import db
from consult.mail.building import build_email
from consult.mail.inbound import dedup_key, store_raw
from consult.mail.inbound_models import InboundMessage, InboundStatus
from consult.mail.models import OutboxMessage
from consult.mail.receiver import receiver
from consult.reminders.planning import plan_reminders
from consult.scheduler import run_tick
from tests.factories import make_body, make_meeting, make_user
from tests.test_mail_smtp import free_port


def reply_bytes(message_id: str | None = "<antwoord-1@mail.example.org>", body="4: Eens.") -> bytes:
    message = EmailMessage()
    message["From"] = "Anouk Smit <member@example.org>"
    message["To"] = "abc@antwoord.example.org"
    message["Subject"] = "Re: Herinnering"
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


@pytest.fixture(params=["lmtp", "smtp"])
def listener(request, app):
    controller = receiver(app, "127.0.0.1", free_port(), lmtp=request.param == "lmtp")
    controller.start()
    controller.kind = request.param
    yield controller
    controller.stop()


def send(listener, raw: bytes, rcpt="abc@antwoord.example.org") -> tuple[int, bytes]:
    client_class = smtplib.LMTP if listener.kind == "lmtp" else smtplib.SMTP
    client = client_class(listener.hostname, listener.port, timeout=10)
    try:
        client.ehlo_or_helo_if_needed()
        code, answer = client.mail("member@example.org")
        assert code == 250, answer
        code, answer = client.rcpt(rcpt)
        assert code == 250, answer
        # smtplib sends bytes as they are: on the wire, lines end in CRLF
        return client.data(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    finally:
        client.quit()


def stored(app) -> list[InboundMessage]:
    with app.app_context():
        rows = db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        db.session.expunge_all()
        return rows


def test_a_message_is_stored_raw_before_the_250(app, listener):
    raw = reply_bytes()
    code, answer = send(listener, raw)
    assert code == 250, answer
    [row] = stored(app)
    assert row.raw.replace(b"\r\n", b"\n").rstrip() == raw.replace(b"\r\n", b"\n").rstrip()
    assert row.status == InboundStatus.RECEIVED
    assert row.source == listener.kind
    assert row.dedup_key == "<antwoord-1@mail.example.org>"
    assert row.envelope_from == "member@example.org"
    assert row.envelope_to == "abc@antwoord.example.org"


def test_a_redelivery_stores_nothing_twice(app, listener):
    assert send(listener, reply_bytes())[0] == 250
    code, answer = send(listener, reply_bytes())
    assert code == 250 and b"Al ontvangen" in answer
    assert len(stored(app)) == 1


def test_without_message_id_the_raw_bytes_deduplicate(app, listener):
    assert send(listener, reply_bytes(None))[0] == 250
    assert send(listener, reply_bytes(None))[0] == 250
    assert send(listener, reply_bytes(None, body="3A: Anders."))[0] == 250
    rows = stored(app)
    assert len(rows) == 2
    assert all(row.dedup_key.startswith("sha256:") for row in rows)


def test_a_database_failure_answers_4xx_and_stores_nothing(app, listener):
    # a real failure: the table is not there for a moment
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE inbound_message RENAME TO inbound_away"))
    try:
        code, answer = send(listener, reply_bytes())
    finally:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE inbound_away RENAME TO inbound_message"))
    assert 400 <= code < 500, answer
    assert stored(app) == []
    # The sending server retries: now it is stored.
    assert send(listener, reply_bytes())[0] == 250
    assert len(stored(app)) == 1


def test_store_raw_tolerates_broken_headers(app):
    raw = b"From: \x80\xff\r\nMessage-ID: " + b"x" * 300 + b"\r\n\r\nbody"
    with app.app_context():
        assert store_raw(raw, source="smtp") is True
        assert store_raw(raw, source="smtp") is False
        assert dedup_key(raw).startswith("sha256:")


def test_the_cli_command_is_there(app):
    result = app.test_cli_runner().invoke(args=["mail", "receive", "--help"])
    assert result.exit_code == 0 and "LMTP" in result.output


@pytest.mark.parametrize("app_config", [{"REPLY_DOMAIN": "antwoord.example.org"}])
def test_a_reply_to_a_real_reminder_over_lmtp_becomes_input_with_one_confirmation(app, app_config):
    """The whole way: a reminder with its Reply-To, the member's client answers it with
    the quote below, the mail server hands it over LMTP, the tick stores the input."""
    with app.app_context():
        member = make_user(name="Anouk Smit", email="anouk@gemeente.example.org")
        meeting = make_meeting(make_body(delegates=[make_user("delegate")]), items=2)
        meeting.published_at = utcnow() - timedelta(minutes=1)
        plan_reminders(meeting, meeting.published_at)
        db.session.commit()
        run_tick()
        reminder = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "reminder", OutboxMessage.user_id == member.id))
        sent = build_email(reminder)
    answer = EmailMessage()
    answer["From"] = "Anouk Smit <anouk@gemeente.example.org>"
    answer["To"] = sent["Reply-To"]
    answer["Subject"] = "Re: " + sent["Subject"]
    answer["Message-ID"] = "<antwoord-anouk@gemeente.example.org>"
    quoted = "\n".join("> " + line for line in reminder.body_text.splitlines())
    answer.set_content("2: Graag meer aandacht voor kleine gemeenten.\n\nMet vriendelijke "
                       f"groet,\nAnouk\n\nOp 3 dec. 2026 om 09:00 schreef Consult:\n{quoted}\n")
    controller = receiver(app, "127.0.0.1", free_port())
    controller.start()
    controller.kind = "lmtp"
    try:
        code, text_ = send(controller, answer.as_bytes(), rcpt=sent["Reply-To"])
        assert code == 250, text_
    finally:
        controller.stop()
    with app.app_context():
        result = run_tick()
        row = db.session.scalar(select(InboundMessage))
        assert result.get("replies_processed") == 1, (result, row.status, row.reason)
        [comment] = db.session.scalars(select(Comment)).all()
        assert comment.text == "Graag meer aandacht voor kleine gemeenten."
        assert comment.item.label == "2" and comment.author_id == member.id
        run_tick()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "reply_confirmation")) == 1
