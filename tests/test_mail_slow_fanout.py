"""Issue 15, "done when": a fan-out through an SMTP server that answers slowly delivers
each message once. A real aiosmtpd server answers every message after a short delay and
every LATE_EVERY-th one only after the client's MAIL_DATA_TIMEOUT; two real scheduler
processes deliver the "agenda open" mail to 1,500 members (the benchmark B3s does the
same for 10,000). Each member gets it once (by Message-ID and by recipient), the ones
answered too late are held (not retried, not sent twice) and nothing stays "sending"."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.reminders.models import Anchor, Reminder, ReminderRule, ReminderStatus
from tests import slow_smtp
from tests.test_scheduler_processes import ROOT, big_body, wait_for

MEMBERS = 1500
DELAY = 0.02  # seconds: every answer to the final "."
LATE_EVERY = 500
DATA_TIMEOUT = 1.5  # the client's wait for that answer (MAIL_DATA_TIMEOUT)
LATE = DATA_TIMEOUT + 1.5  # the late ones: answered after the client gave up


@pytest.fixture
def slow_server():
    handler = slow_smtp.SlowHandler(DELAY, LATE_EVERY, LATE)
    controller = slow_smtp.start(handler)
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def schedulers(app, tmp_path, slow_server):
    """Two scheduler processes delivering to the slow server; stopped when the test ends."""
    env = {**os.environ,
           "CONSULT_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
           "CONSULT_SECRET_KEY": "test-secret", "CONSULT_BASE_URL": "http://localhost",
           "CONSULT_MAIL_FILE_DIR": app.config["MAIL_FILE_DIR"],
           "CONSULT_EXPORT_DIR": app.config["EXPORT_DIR"],
           "CONSULT_SCHEDULER_INTERVAL_SECONDS": "1",
           "CONSULT_MAIL_SERVER": "127.0.0.1", "CONSULT_MAIL_PORT": str(slow_server.port),
           "CONSULT_MAIL_TIMEOUT": "10", "CONSULT_MAIL_DATA_TIMEOUT": str(DATA_TIMEOUT),
           # The rest of a batch interrupted by a held message waits 1 s, not a minute.
           "CONSULT_MAIL_RETRY_BASE_SECONDS": "1"}
    started = []
    for number in (1, 2):
        with open(tmp_path / f"scheduler-{number}.log", "wb") as log:
            started.append(subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=ROOT,
                env=env, stdout=log, stderr=subprocess.STDOUT))
    yield started
    for process in started:
        process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def outbox(app) -> dict[int, OutboxMessage]:
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage)).all()
        db.session.expunge_all()
    return {message.id: message for message in messages}


def test_a_fan_out_through_a_slow_smtp_server_delivers_each_message_once(
        app, client, auth, users, slow_server, schedulers):
    meeting_id = big_body(app, users, members=MEMBERS)
    auth.login("delegate")
    response = client.post(f"/vergaderingen/{meeting_id}/publiceren", follow_redirects=True)
    assert "De agenda is gepubliceerd." in response.text
    started = time.monotonic()

    def delivered():
        reminder = db.session.scalar(select(Reminder).join(ReminderRule).where(
            Reminder.meeting_id == meeting_id, ReminderRule.anchor == Anchor.PUBLICATION))
        open_messages = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])))
        return reminder.status == ReminderStatus.SENT and open_messages == 0
    wait_for(app, delivered, timeout=150, step=0.5)
    seconds = time.monotonic() - started
    # Two more scheduler intervals: a held message must not be tried again.
    count = len(slow_server.received)
    time.sleep(2.5)
    assert all(process.poll() is None for process in schedulers)
    assert len(slow_server.received) == count

    messages = outbox(app)
    assert len(messages) >= MEMBERS
    assert slow_server.duplicates() == (0, 0)
    received = Counter(slow_smtp.outbox_id(mid) for mid, _ in slow_server.received)
    assert received == Counter(set(messages))  # every outbox row arrived, once
    assert Counter(r for _, r in slow_server.received) == Counter(
        m.recipient for m in messages.values())
    held = {slow_smtp.outbox_id(mid) for mid in slow_server.late_ids}
    assert len(held) == len(messages) // LATE_EVERY
    statuses = Counter(m.status for m in messages.values())
    assert statuses == {OutboxStatus.SENT: len(messages) - len(held),
                        OutboxStatus.HELD: len(held)}, statuses
    assert {i for i, m in messages.items() if m.status == OutboxStatus.HELD} == held
    assert all("mogelijk toch aangekomen" in messages[i].last_error for i in held)
    print(f"{len(messages)} messages through the slow server in {seconds:.1f} s, "
          f"{len(held)} held")
