"""Delivery over SMTP against a real aiosmtpd server on 127.0.0.1: retries with backoff
on temporary failures, failure at the first permanent one, stuck claims released."""

import email
import socket
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from consult.database import utcnow
from consult.extensions import db
from consult.mail.delivery import deliver_pending
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.mail.services import queue_message


class RecordingHandler:
    """Accepts mail and records it; `answers` are status lines given instead, one per
    DATA command, e.g. ["451 4.3.0 probeer later"]."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.answers: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        if self.answers:
            return self.answers.pop(0)
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port, "MAIL_TIMEOUT": 5}


def queue(recipient="lid@example.org"):
    return queue_message(
        kind="test", recipient=recipient, subject="Onderwerp", template="login_link",
        context={"user": type("U", (), {"name": "Anouk"}), "link": "http://x/", "minutes": 15},
        headers={"List-Unsubscribe": "<http://localhost/afmelden/x>"},
        attachments=[("vergadering.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")],
    )


def only_message() -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalar(select(OutboxMessage))


def test_delivers_over_smtp_with_headers_and_attachment(app, smtp_server):
    with app.app_context():
        queue()
        db.session.commit()
        assert smtp_server.received == []  # nothing leaves before delivery runs
        assert deliver_pending().sent == 1
        assert only_message().status == OutboxStatus.SENT
    [received] = smtp_server.received
    assert received["To"] == "lid@example.org"
    assert received["List-Unsubscribe"] == "<http://localhost/afmelden/x>"
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "vergadering.ics"
    assert attachment.get_content_type() == "text/calendar"


def test_451_then_250_is_delivered_once_after_a_retry(app, smtp_server):
    smtp_server.answers = ["451 4.3.0 Tijdelijk niet beschikbaar"]
    with app.app_context():
        queue()
        db.session.commit()
        now = utcnow() + timedelta(seconds=1)
        report = deliver_pending(now)
        assert (report.sent, report.retried, report.failed) == (0, 1, 0)
        message = only_message()
        assert message.status == OutboxStatus.PENDING and message.attempts == 1
        assert "451" in message.last_error
        assert message.next_attempt_at == now + timedelta(minutes=1)
        assert deliver_pending(now + timedelta(seconds=30)).sent == 0  # backoff holds
        assert deliver_pending(now + timedelta(minutes=1)).sent == 1
        assert deliver_pending(now + timedelta(minutes=10)).sent == 0
        message = only_message()
        assert message.status == OutboxStatus.SENT and message.attempts == 2
    assert len(smtp_server.received) == 1


def test_backoff_doubles_and_gives_up_after_max_attempts(app, smtp_server):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    smtp_server.answers = ["421 4.7.0 Probeer het later"] * 5
    with app.app_context():
        queue()
        db.session.commit()
        now = utcnow() + timedelta(seconds=1)
        deliver_pending(now)
        assert only_message().next_attempt_at == now + timedelta(minutes=1)
        deliver_pending(now + timedelta(minutes=1))
        assert only_message().next_attempt_at == now + timedelta(minutes=3)
        report = deliver_pending(now + timedelta(minutes=3))
        assert report.failed == 1
        assert only_message().status == OutboxStatus.FAILED
    assert smtp_server.received == []


def test_550_fails_at_once(app, smtp_server):
    smtp_server.answers = ["550 5.1.1 Onbekende ontvanger"]
    with app.app_context():
        queue()
        db.session.commit()
        assert deliver_pending().failed == 1
        message = only_message()
        assert message.status == OutboxStatus.FAILED and message.attempts == 1
        assert message.last_error.startswith("550")


def test_connection_refused_is_temporary(app, smtp_server):
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    with app.app_context():
        queue()
        db.session.commit()
        assert deliver_pending().retried == 1
        message = only_message()
        assert message.status == OutboxStatus.PENDING and message.last_error


def test_a_claim_stuck_in_sending_is_released_after_ten_minutes(app, smtp_server):
    now = utcnow()
    with app.app_context():
        message = queue()
        message.status, message.claimed_at = OutboxStatus.SENDING, now - timedelta(minutes=5)
        db.session.commit()
        assert deliver_pending(now).sent == 0  # a fresh claim is left alone
        # Claims age in real time (not the moment a run delivers for): 11 minutes old.
        message.claimed_at = now - timedelta(minutes=11)
        db.session.commit()
        report = deliver_pending()
        assert (report.released, report.sent) == (1, 1)
    assert len(smtp_server.received) == 1
