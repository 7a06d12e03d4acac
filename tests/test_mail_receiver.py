"""The LMTP/SMTP receiver against a real smtplib client: a message is a committed row
before the 250; a redelivery stores nothing twice; a database failure answers 4xx."""

import smtplib
from email.message import EmailMessage

import pytest
from sqlalchemy import select, text

from consult.extensions import db
from consult.mail.inbound import dedup_key, store_raw
from consult.mail.inbound_models import InboundMessage, InboundStatus
from consult.mail.receiver import receiver
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


def send(listener, raw: bytes) -> tuple[int, bytes]:
    client_class = smtplib.LMTP if listener.kind == "lmtp" else smtplib.SMTP
    client = client_class(listener.hostname, listener.port, timeout=10)
    try:
        client.ehlo_or_helo_if_needed()
        code, answer = client.mail("member@example.org")
        assert code == 250, answer
        code, answer = client.rcpt("abc@antwoord.example.org")
        assert code == 250, answer
        return client.data(raw)
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
    with app.app_context():  # a real failure: the table is not there for a moment
        with db.engine.begin() as connection:
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
