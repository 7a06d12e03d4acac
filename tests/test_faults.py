"""Faults, made real: an SMTP server that is down, a scheduler killed with SIGKILL while
sending, a database that does not answer (or fails halfway through a request), and a
database that is full during an upload. Real servers and processes, no mocks.

What the outbox promises (README, "Prestaties en betrouwbaarheid"): a message is never
lost, and never sent twice, with one documented exception: a message the SMTP server
accepted in the moment a process died, before it was marked sent, stays "sending" and is
sent once more after the stuck-claim release (MAIL_STUCK_MINUTES). At most the messages
that were in flight at the crash (one per killed process) can arrive twice.
"""

import asyncio
import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.meetings.attachments.files import DISK_FULL
from consult.meetings.models import Attachment, Meeting
from tests.test_fuzz_routes import database_state
from tests.test_mail_smtp import RecordingHandler, free_port, queue

ROOT = Path(__file__).resolve().parents[1]


def process_env(app, **extra) -> dict[str, str]:
    return {**os.environ, "CONSULT_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "CONSULT_SECRET_KEY": "test-secret", "CONSULT_BASE_URL": "http://localhost",
            "CONSULT_MAIL_SERVER": "127.0.0.1", "CONSULT_MAIL_FILE_DIR": app.config["MAIL_FILE_DIR"],
            **{key: str(value) for key, value in extra.items()}}


def flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def statuses() -> Counter:
    db.session.expire_all()
    result = Counter(db.session.scalars(select(OutboxMessage.status)).all())
    db.session.rollback()
    return result


# --- SMTP down during a tick ------------------------------------------------------

def test_smtp_down_during_a_tick_then_each_message_is_delivered_once(app):
    port = free_port()  # nobody listens here yet
    with app.app_context():
        for number in range(5):
            queue(f"lid{number}@example.org")
        db.session.commit()
    now = utcnow().replace(microsecond=0) + timedelta(seconds=1)
    env = process_env(app, CONSULT_MAIL_PORT=port, CONSULT_MAIL_TIMEOUT=5)

    def tick(moment):
        done = subprocess.run(flask("reminders", "tick", "--now", moment.isoformat()), cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "sent: 0" in tick(now)  # SMTP is down: nothing lost, each waits for a retry
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert {m.status for m in messages} == {OutboxStatus.PENDING}
        assert {m.attempts for m in messages} == {1}
        assert {m.next_attempt_at for m in messages} == {now + timedelta(minutes=1)}
        assert all(m.last_error for m in messages)
        db.session.rollback()

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert "sent: 0" in tick(now + timedelta(seconds=30))  # the backoff holds
        assert "sent: 5" in tick(now + timedelta(minutes=1))
        assert "sent: 0" in tick(now + timedelta(minutes=10))
    finally:
        controller.stop()
    with app.app_context():
        assert statuses() == {OutboxStatus.SENT: 5}
    assert Counter(m["To"] for m in handler.received) == {
        f"lid{number}@example.org": 1 for number in range(5)}


# --- the scheduler killed with SIGKILL while sending -------------------------------------

class SlowHandler(RecordingHandler):
    """Takes `delay` seconds per message, so a kill lands in the middle of a run."""

    delay = 0.25

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


def wait_for(condition, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def test_scheduler_killed_while_sending_then_restarted(app):
    handler = SlowHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    total = 16
    with app.app_context():
        for number in range(total):
            queue(f"lid{number}@example.org")
        db.session.commit()
    # A claim older than 3 s counts as stuck, so the restarted scheduler releases it soon.
    env = process_env(app, CONSULT_MAIL_PORT=controller.port, CONSULT_MAIL_TIMEOUT=10,
                      CONSULT_SCHEDULER_INTERVAL_SECONDS=1, CONSULT_MAIL_STUCK_MINUTES=0.05)
    processes = []

    def start_scheduler():
        process = subprocess.Popen(flask("scheduler"), cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        return process

    try:
        first = start_scheduler()
        assert wait_for(lambda: len(handler.received) >= 4, timeout=60), "nothing was sent"
        time.sleep(handler.delay / 2)  # now in the middle of the next message
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        time.sleep(handler.delay * 2)  # what the server accepted is recorded
        with app.app_context():
            db.session.expire_all()
            at_kill = {m.recipient: m.status for m in db.session.scalars(select(OutboxMessage))}
            db.session.rollback()
        received_at_kill = Counter(m["To"] for m in handler.received)
        at_kill_counts = Counter(at_kill.values())
        assert 0 < at_kill_counts[OutboxStatus.SENT] < total, at_kill_counts
        # The killed process held a claimed batch; of it, only the message in flight can
        # have reached the server.
        in_flight = {r for r, status in at_kill.items() if status == OutboxStatus.SENDING}
        assert 0 < len(in_flight) <= app.config["MAIL_CLAIM_BATCH"]
        assert len({r for r in in_flight if received_at_kill[r]}) <= 1

        second = start_scheduler()
        with app.app_context():
            assert wait_for(lambda: statuses() == {OutboxStatus.SENT: total}, timeout=60,
                            step=0.3), statuses()
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=10)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        controller.stop()

    received = Counter(m["To"] for m in handler.received)
    assert set(received) == set(at_kill)  # no loss
    sent_before = {r for r, status in at_kill.items() if status == OutboxStatus.SENT}
    for recipient in sent_before:  # marked sent: never again
        assert received[recipient] == 1, recipient
    duplicates = {r for r, count in received.items() if count > 1}
    # The documented exception: only a message in flight at the kill, and only when
    # the server had accepted it, arrives twice.
    assert duplicates <= {r for r in in_flight if received_at_kill[r]}
    assert len(duplicates) <= 1 and max(received.values()) <= 2


# --- the database unavailable -------------------------------------------------------

@pytest.fixture
def unreachable_app(tmp_path):
    from tests.conftest import make_app

    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/consult"
    app = make_app(url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS={
        "connect_args": {"connect_timeout": 2}})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_database_unreachable_gives_the_dutch_503_page(unreachable_app):
    client = unreachable_app.test_client()
    assert client.get("/healthz").status_code == 503
    response = client.post("/inloggen/wachtwoord", data={
        "pw-email": "lid@example.org", "pw-password": "een lang wachtwoord"})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Tijdelijk niet beschikbaar" in page
    assert "Er is niets opgeslagen" in page
    assert response.headers["Retry-After"] == "60"
    with client.session_transaction() as session:  # a logged-in member's next page
        session["_user_id"] = "some-session-token"
    response = client.get("/")
    assert response.status_code == 503
    assert "kan de database nu niet bereiken" in response.get_data(as_text=True)


@pytest.fixture
def failing_reminder_insert(app):
    """The database fails halfway through a request: inserting a reminder row raises an
    operational error inside the database (a trigger), after the meeting, its change log
    and the outbox rows were already written in the same transaction."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.exec_driver_sql("""
                    CREATE FUNCTION consult_fail() RETURNS trigger AS $$
                    BEGIN RAISE EXCEPTION 'database weg' USING ERRCODE = 'admin_shutdown';
                    END $$ LANGUAGE plpgsql""")
                connection.exec_driver_sql(
                    "CREATE TRIGGER consult_fail BEFORE INSERT ON reminder "
                    "FOR EACH ROW EXECUTE FUNCTION consult_fail()")
        else:
            def fail():
                raise RuntimeError("database weg")

            def register(dbapi_connection, _record):
                dbapi_connection.create_function("consult_fail", 0, fail)

            sa.event.listen(engine, "connect", register)
            engine.dispose()  # new connections get the function
            with engine.begin() as connection:
                connection.exec_driver_sql(
                    "CREATE TRIGGER consult_fail BEFORE INSERT ON reminder "
                    "BEGIN SELECT consult_fail(); END")
    yield
    with app.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS consult_fail"
                                   + (" ON reminder" if db.engine.dialect.name == "postgresql"
                                      else ""))
        if db.engine.dialect.name == "postgresql":
            connection.exec_driver_sql("DROP FUNCTION IF EXISTS consult_fail()")


def test_a_post_that_fails_halfway_leaves_nothing(app, client, auth, world,
                                                  failing_reminder_insert):
    auth.login("delegate")
    with app.app_context():
        before = database_state()
    response = client.post(f"/vergaderingen/{world['draft']}/publiceren")
    assert response.status_code == 503
    assert "Er is niets opgeslagen" in response.get_data(as_text=True)
    with app.app_context():
        assert database_state() == before
        assert db.session.get(Meeting, world["draft"]).published_at is None
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


# --- database full on upload ---------------------------------------------------------

@contextlib.contextmanager
def full_database(engine, room_pages: int):
    """SQLite may grow by `room_pages` pages at most (PRAGMA max_page_count on every new
    connection): a larger write fails with SQLITE_FULL, "database or disk is full", as
    on a full disk."""
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    def limit(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + room_pages}")

    engine.dispose()
    sa.event.listen(engine, "connect", limit)
    try:
        yield
    finally:
        sa.event.remove(engine, "connect", limit)
        engine.dispose()


def upload_too_big_for_the_disk(client, item_id: int, size: int):
    content = b"%PDF-1.4\n" + b"0" * size
    return client.post(f"/agendapunten/{item_id}/bijlagen", data={
        "label": "9z", "title": "Groot stuk",
        "file": (io.BytesIO(content), "groot-stuk.pdf")}, content_type="multipart/form-data")


@pytest.mark.sqlite_only  # PostgreSQL: a full tablespace would need a mount of its own
def test_full_database_on_upload_gives_a_clear_error_and_stores_nothing(app, client, auth,
                                                                        world):
    auth.login("delegate")
    with app.app_context():
        before = database_state()
        attachments_before = db.session.scalar(select(func.count(Attachment.id)))
        engine = db.engine
    with full_database(engine, room_pages=16):
        response = upload_too_big_for_the_disk(client, world["item"], 400 * 1024)
        after_page = client.get(f"/agendapunten/{world['item']}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "geen ruimte meer" in page
    assert DISK_FULL.split(":")[0] in page
    assert 'value="Groot stuk"' in page  # the user's text is kept
    assert after_page.status_code == 200
    with app.app_context():
        assert database_state() == before
        assert db.session.scalar(select(func.count(Attachment.id))) == attachments_before
