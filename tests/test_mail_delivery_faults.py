"""Delivery faults from issue 15, each against a real aiosmtpd server: a subject with a
line break (finding 3), a server that answers the final "." too late (finding 4), and a
delivery run longer than MAIL_STUCK_MINUTES next to a second delivering process
(finding 5)."""

import asyncio
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from consult.accounts.models import User
from consult.database import utcnow
from consult.extensions import db
from consult.mail.delivery import deliver_pending
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.mail.services import resend_message
from consult.scheduler import run_tick
from tests.test_mail_smtp import RecordingHandler, free_port, queue
from tests.test_reminders_services import at, build


class SlowHandler(RecordingHandler):
    """Answers the final "." after `delay` seconds (for the first `slow` messages),
    and records the message even when the client gave up waiting."""

    def __init__(self, delay: float, slow: int = 10**6):
        super().__init__()
        self.delay, self.slow = delay, slow

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if self.slow > 0:
            self.slow -= 1
            await asyncio.sleep(self.delay)
        return answer


@pytest.fixture
def smtp(request):
    servers = []

    def start(handler):
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        return controller.port

    yield start
    for controller in servers:
        controller.stop()


def use_server(app, port, **config):
    app.config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TIMEOUT": 5,
                       **config})


def by_recipient(app) -> dict[str, OutboxMessage]:
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage)).all()
        db.session.expunge_all()
        return {message.recipient: message for message in messages}


# --- finding 3: a line break in a subject ------------------------------------------------

def test_a_subject_with_a_line_break_fails_alone_and_the_batch_is_delivered(app, smtp):
    handler = RecordingHandler()
    use_server(app, smtp(handler))
    with app.app_context():
        queue("een@example.org")
        queue("twee@example.org").subject = "Herinnering\r\nBcc: iedereen@example.org"
        queue("drie@example.org")
        db.session.commit()
        report = deliver_pending()
    assert (report.sent, report.failed) == (2, 1)
    messages = by_recipient(app)
    assert messages["twee@example.org"].status == OutboxStatus.FAILED
    assert "regeleinde" in messages["twee@example.org"].last_error
    assert {messages[r].status for r in ("een@example.org", "drie@example.org")} == {
        OutboxStatus.SENT}
    assert sorted(m["To"] for m in handler.received) == ["drie@example.org", "een@example.org"]
    assert not any("iedereen" in str(m) for m in handler.received)


def test_a_rule_subject_with_a_line_break_is_refused(app, client, auth, world):
    auth.login("delegate")
    response = client.post(f"/overleggen/{world['body']}/herinneringen/nieuw", data={
        "amount": "2", "unit": "hours", "direction": "after", "anchor": "meeting_end",
        "audience": "contributors", "condition": "none",
        "subject": "Dank\r\nBcc: iedereen@example.org", "message": "Dank!", "active": "y"})
    assert response.status_code == 422
    assert "geen regeleinde" in response.get_data(as_text=True)


# --- finding 4: a slow answer to the final "." ---------------------------------------------

def test_an_answer_slower_than_the_command_timeout_is_waited_for(app, smtp):
    handler = SlowHandler(delay=1.5)
    use_server(app, smtp(handler), MAIL_TIMEOUT=0.5, MAIL_DATA_TIMEOUT=5)
    with app.app_context():
        queue()
        db.session.commit()
        assert deliver_pending().sent == 1
    assert len(handler.received) == 1


def test_no_answer_after_data_is_held_not_retried_and_keeps_its_message_id(app, smtp):
    handler = SlowHandler(delay=1.5, slow=1)
    use_server(app, smtp(handler), MAIL_DATA_TIMEOUT=0.5)
    with app.app_context():
        queue("een@example.org")
        queue("twee@example.org")
        db.session.commit()
        now = utcnow() + timedelta(seconds=1)
        report = deliver_pending(now)
        assert (report.held, report.sent, report.retried) == (1, 0, 1)
        time.sleep(1.5)  # the slow server takes the first message after all
        for minutes in (1, 5, 30, 120, 600):  # every later tick
            deliver_pending(now + timedelta(minutes=minutes))
    messages = by_recipient(app)
    held = messages["een@example.org"]
    assert held.status == OutboxStatus.HELD and held.attempts == 1
    assert "mogelijk toch aangekomen" in held.last_error
    assert messages["twee@example.org"].status == OutboxStatus.SENT
    assert Counter(m["To"] for m in handler.received) == {
        "een@example.org": 1, "twee@example.org": 1}

    with app.app_context():  # the admin resends it: the same Message-ID
        resend_message(db.session.get(OutboxMessage, held.id))
        db.session.commit()
        assert deliver_pending().sent == 1
    first, *_, again = [m for m in handler.received if m["To"] == "een@example.org"]
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].startswith(f"<consult.{held.id}.")
    assert first["Message-ID"].endswith("@consult.example.org>")


class SlowRcptHandler(RecordingHandler):
    """Answers RCPT of the second message too late: a timeout before DATA."""

    rcpts = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.rcpts == 2:
            await asyncio.sleep(1.5)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_timeout_before_data_after_a_sent_message_is_an_ordinary_retry(app, smtp):
    handler = SlowRcptHandler()
    use_server(app, smtp(handler), MAIL_TIMEOUT=0.5)
    with app.app_context():
        queue("een@example.org")
        queue("twee@example.org")
        db.session.commit()
        report = deliver_pending()
    assert (report.sent, report.retried, report.held) == (1, 1, 0)
    assert by_recipient(app)["twee@example.org"].status == OutboxStatus.PENDING


# --- finding 5: claims renewed while a long run delivers ----------------------------------

def test_a_run_longer_than_the_stuck_limit_keeps_its_claims(app, smtp):
    """Stuck limit 1.2 s, 0.4 s per message, 8 messages: one run takes over 3 s. A
    second process delivering all the while must not take any of them over."""
    handler = SlowHandler(delay=0.4)
    use_server(app, smtp(handler), MAIL_STUCK_MINUTES=0.02, MAIL_DATA_TIMEOUT=5)
    with app.app_context():
        for number in range(8):
            queue(f"lid{number}@example.org")
        db.session.commit()
    first_claimed = threading.Event()

    def first():
        with app.app_context():
            first_claimed.set()
            deliver_pending()

    def second():
        first_claimed.wait()
        deadline = time.monotonic() + 4.5
        with app.app_context():
            while time.monotonic() < deadline:
                deliver_pending()
                time.sleep(0.1)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Counter(m["To"] for m in handler.received) == {
        f"lid{number}@example.org": 1 for number in range(8)}
    assert {m.status for m in by_recipient(app).values()} == {OutboxStatus.SENT}


def test_a_body_name_with_a_line_break_still_gives_deliverable_reminders(app, smtp):
    """A name stored before names were checked: the subjects it fills in become one
    line when queued, so the whole fan-out arrives."""
    handler = RecordingHandler()
    use_server(app, smtp(handler))
    build(app, name="Taskforce\r\nBcc: iedereen@example.org")
    with app.test_request_context():
        run_tick(at("2030-03-01T09:01"))  # agenda open, to every member
        statuses = Counter(db.session.scalars(select(OutboxMessage.status)))
        members = db.session.scalar(select(func.count(User.id)).where(User.active.is_(True)))
    assert statuses == {OutboxStatus.SENT: len(handler.received)}
    assert len(handler.received) == members  # agenda open goes to everyone asked
    for message in handler.received:
        assert "Taskforce Bcc: iedereen@example.org" in message["Subject"]
        assert message["Bcc"] is None
