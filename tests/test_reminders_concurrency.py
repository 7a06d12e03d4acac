"""Two scheduler processes plus four concurrent ticks in threads, against one database
and a real SMTP server: every message is delivered exactly once."""

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from consult.extensions import db
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.reminders.models import Audience, Reminder, ReminderStatus
from consult.scheduler import run_tick
from tests.factories import make_user
from tests.test_mail_smtp import smtp_server  # noqa: F401  (fixture)
from tests.test_reminders_services import DAY, add_rule, at, build

ROOT = Path(__file__).resolve().parents[1]


def test_two_processes_and_four_threads_deliver_every_message_once(app, smtp_server,  # noqa: F811
                                                                    database_uri):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_TIMEOUT=5)
    ids = build(app)
    with app.test_request_context():
        for number in range(20):
            make_user(name=f"Extra lid {number}", region="Noord" if number % 2 else "Zuid")
        db.session.commit()
        # Four reminders due at the same moment, to different audiences.
        for audience in (Audience.ALL, Audience.NON_RESPONDERS, Audience.CHAIRS,
                         Audience.DELEGATES):
            add_rule(ids, audience, offset=-3 * DAY)
    now = at("2030-03-08T16:01")  # just after "deadline -3 days"

    env = {**os.environ, "CONSULT_SQLALCHEMY_DATABASE_URI": database_uri,
           "CONSULT_MAIL_SERVER": "127.0.0.1", "CONSULT_MAIL_PORT": str(smtp_server.port),
           "CONSULT_SECRET_KEY": "test-secret", "CONSULT_BASE_URL": "http://localhost",
           "CONSULT_MAIL_FILE_DIR": str(Path(app.config["MAIL_FILE_DIR"]))}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "tick",
               "--now", now.isoformat()]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = []

    def tick():
        try:
            with app.app_context():
                run_tick(now)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    assert errors == []

    with app.app_context():
        # Anything a process left for a later moment (none expected) is delivered now.
        run_tick(now)
        messages = db.session.scalars(select(OutboxMessage)).all()
        statuses = Counter(message.status for message in messages)
        sent_reminders = db.session.scalar(select(func.count(Reminder.id)).where(
            Reminder.status == ReminderStatus.SENT))
    assert sent_reminders == 4
    # all (27 active members) + non-responders (25) + chairs (2) + delegates (1)
    assert len(messages) == 27 + 25 + 2 + 1
    assert statuses == {OutboxStatus.SENT: len(messages)}
    received = Counter((m["To"], m["Subject"]) for m in smtp_server.received)
    assert len(smtp_server.received) == len(messages)
    assert set(received.values()) == {1}
