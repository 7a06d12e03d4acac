"""The scheduler as a real process: killed with SIGKILL in the middle of an export and
in the middle of the "agenda open" fan-out, another scheduler finishes the work exactly
once; and /healthz turns 503 within three intervals of the scheduler stopping, and back
to 200 when it runs again. Real processes, SQLite or PostgreSQL, no mocks."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.accounts.models import User
from consult.comments.models import Comment
from consult.exports.models import ExportFormat, ExportJob, ExportStatus
from consult.extensions import db
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.meetings.models import MeetingChange
from consult.reminders.models import Anchor, Reminder, ReminderRule, ReminderStatus
from consult.ticks import SchedulerTick
from tests.factories import make_body, make_meeting, make_user

ROOT = Path(__file__).resolve().parents[1]
INTERVAL = 1  # seconds: the scheduler's interval in these tests


@pytest.fixture
def app_config():
    return {"SCHEDULER_INTERVAL_SECONDS": INTERVAL}


@pytest.fixture
def schedulers(app, tmp_path):
    """Start scheduler processes against the test's database and folders; each one is
    stopped (killed if need be) when the test ends. Their logs: tmp_path/scheduler-N.log."""
    started: list[subprocess.Popen] = []
    env = {**os.environ,
           "CONSULT_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
           "CONSULT_SECRET_KEY": "test-secret", "CONSULT_BASE_URL": "http://localhost",
           "CONSULT_MAIL_FILE_DIR": app.config["MAIL_FILE_DIR"],
           "CONSULT_EXPORT_DIR": app.config["EXPORT_DIR"],
           "CONSULT_SCHEDULER_INTERVAL_SECONDS": str(INTERVAL),
           # A claim not renewed for 3 s counts as its process having died. Small chunks:
           # the fan-out (fast since it renders once per shape) lasts long enough to be
           # caught halfway.
           "CONSULT_EXPORT_STUCK_MINUTES": "0.05", "CONSULT_REMINDER_STUCK_MINUTES": "0.05",
           "CONSULT_REMINDER_FANOUT_CHUNK": "3"}
    env.pop("CONSULT_MAIL_SERVER", None)

    def start() -> subprocess.Popen:
        with open(tmp_path / f"scheduler-{len(started) + 1}.log", "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=ROOT,
                env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    for log in sorted(tmp_path.glob("scheduler-*.log")):  # shown when the test fails
        lines = log.read_text(errors="replace").splitlines()
        print(f"--- {log.name}, last lines of {len(lines)}", *lines[-30:], sep="\n")


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def wait_for(app, condition, timeout: float, step: float = 0.01):
    """Poll `condition()` until it is true, each time in a fresh GET request's context:
    outside a request every SQLite transaction is BEGIN IMMEDIATE, and a poll taking the
    write lock every few milliseconds starved the scheduler it watches (its busy timeout
    ran out, the fan-out failed and was retried, and "halfway" never came). A page's
    reads begin a plain transaction that never waits for, nor blocks, a writer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.test_request_context("/healthz"):
            value = condition()
            db.session.remove()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s")


def mailed(app) -> Counter:
    """Recipients of the .eml files the schedulers wrote (the file backend)."""
    folder = Path(app.config["MAIL_FILE_DIR"])
    return Counter(message_from_bytes(path.read_bytes(), policy=policy.default)["To"]
                   for path in folder.glob("*.eml")) if folder.is_dir() else Counter()


# --- an export ------------------------------------------------------------------------

def heavy_sending_job(app, users) -> int:
    """A meeting with much input, exported as PDF with the appendix and sent to the
    secretariat: slow enough (seconds) to be killed while it is being made."""
    with app.app_context():
        delegate = db.session.get(User, users["delegate"])
        body = make_body(delegates=[delegate], secretariat_email="secretariaat@vng.example.nl")
        meeting = make_meeting(body, items=6)
        text = "Wij vragen aandacht voor de uitvoering in kleine gemeenten. " * 12
        for number in range(240):
            author = make_user(name=f"Inbrenger {number}")
            db.session.add(Comment(item=meeting.items[number % 6], author=author,
                                   text=f"{number}: {text}"))
        job = ExportJob(meeting=meeting, user_id=delegate.id, format=ExportFormat.PDF,
                        with_appendix=True, send_note="Tot dinsdag.")
        db.session.add(job)
        db.session.commit()
        return job.id


def test_scheduler_killed_while_making_an_export_then_another_finishes_it_once(
        app, client, auth, users, schedulers):
    job_id = heavy_sending_job(app, users)
    first = schedulers()

    def being_made():
        job = db.session.get(ExportJob, job_id)
        return job.status == ExportStatus.RUNNING and job.progress >= 10

    wait_for(app, being_made, timeout=60)
    kill(first)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        assert job.status == ExportStatus.RUNNING and job.attempts == 1, "killed too late"
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    auth.login("delegate")
    assert 'hx-trigger="every 1s"' in client.get(f"/exports/{job_id}").text  # still "bezig"

    schedulers()

    def done():
        return db.session.get(ExportJob, job_id).status == ExportStatus.DONE
    wait_for(app, done, timeout=120, step=0.2)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        assert job.attempts == 2 and job.progress == 100 and job.error == ""
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.kind == "secretariat" and "Tot dinsdag." in message.body_text
        logged = db.session.scalars(select(MeetingChange).where(
            MeetingChange.action == "naar secretariaat gestuurd")).all()
        assert len(logged) == 1
    page = client.get(f"/exports/{job_id}").text
    assert "hx-trigger" not in page and "secretariaat@vng.example.nl" in page
    download = client.get(f"/exports/{job_id}/bestand")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    wait_for(app, lambda: mailed(app), timeout=30, step=0.2)
    assert mailed(app) == Counter({"secretariaat@vng.example.nl": 1})


# --- the "agenda open" fan-out ----------------------------------------------------------

def big_body(app, users, members: int) -> int:
    with app.app_context():
        delegate = db.session.get(User, users["delegate"])
        body = make_body(delegates=[delegate])
        for number in range(members):
            make_user(name=f"Lid {number}", email=f"lid{number}@example.org")
        meeting = make_meeting(body, published=False, deadline_in_days=8, starts_in_days=12)
        db.session.commit()
        return meeting.id


def test_scheduler_killed_during_the_agenda_open_fan_out_then_each_member_mailed_once(
        app, client, auth, users, schedulers):
    meeting_id = big_body(app, users, members=1500)
    auth.login("delegate")
    response = client.post(f"/vergaderingen/{meeting_id}/publiceren", follow_redirects=True)
    assert "De agenda is gepubliceerd." in response.text
    with app.app_context():
        # The request wrote the reminder row only: no mail rendered or queued in it.
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        audience = set(db.session.scalars(select(User.email).where(User.active.is_(True))))

    def agenda_open() -> Reminder:
        return db.session.scalar(select(Reminder).join(ReminderRule).where(
            Reminder.meeting_id == meeting_id, ReminderRule.anchor == Anchor.PUBLICATION))

    first = schedulers()

    def halfway():
        queued = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        return queued > 0 and agenda_open().status == ReminderStatus.SENDING

    wait_for(app, halfway, timeout=60, step=0.005)
    kill(first)
    with app.app_context():
        row = agenda_open()
        queued_at_kill = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        assert row.status == ReminderStatus.SENDING and row.attempts == 1, "killed too late"
        assert 0 < queued_at_kill < len(audience) - 20
        assert row.recipients > 0  # the progress of the fan-out so far

    schedulers()

    def all_sent():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status != OutboxStatus.SENT)) == 0 and (
            agenda_open().status == ReminderStatus.SENT)
    wait_for(app, all_sent, timeout=240, step=0.5)
    with app.app_context():
        row = agenda_open()
        assert row.attempts == 2 and "hervat na een onderbreking" in row.note
        recipients = Counter(db.session.scalars(select(OutboxMessage.recipient)))
    assert set(recipients) <= audience and max(recipients.values()) == 1
    assert len(recipients) == row.recipients > queued_at_kill
    delivered = mailed(app)
    assert delivered == recipients  # each member once, also in what was delivered


# --- /healthz ---------------------------------------------------------------------------

def test_healthz_turns_503_within_three_intervals_of_stopping_the_scheduler(
        app, client, schedulers):
    first = schedulers()

    def ticking():
        return db.session.scalar(select(func.count()).select_from(SchedulerTick).where(
            SchedulerTick.finished_at.is_not(None))) >= 2
    wait_for(app, ticking, timeout=60, step=0.1)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["scheduler"]["status"] == "ok"

    kill(first)
    stopped = time.monotonic()
    while client.get("/healthz").status_code == 200:
        assert time.monotonic() - stopped < 3 * INTERVAL + 1, "still 200"
        time.sleep(0.05)
    # At least two intervals after the last sign of life, not earlier.
    assert time.monotonic() - stopped >= 1.5 * INTERVAL
    late = client.get("/healthz")
    assert late.status_code == 503 and late.json["scheduler"]["status"] == "late"

    schedulers()
    deadline = time.monotonic() + 60
    while client.get("/healthz").status_code != 200:
        assert time.monotonic() < deadline, "the restarted scheduler did not make it 200"
        time.sleep(0.1)
    assert client.get("/healthz").json["scheduler"]["status"] == "ok"
