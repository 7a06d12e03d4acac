"""`make bench`: benchmarks B1-B5 against gunicorn on SQLite and on PostgreSQL, with
generated data; prints one table with the machine it ran on.

Not part of `make test` (pytest only collects test_*.py). Every loop is bounded in count
and time; every server binds to 127.0.0.1; processes and temporary databases are removed
at the end, also after an error.

    .venv/bin/python -m tests.bench.bench_run [--backends sqlite,postgresql] [--skip b1b,b2,b3,b3s,b4]

B1 (B1a, B1b) is in tests/bench/bench_pages.py; its environment variables are listed there.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

from tests.bench import bench_overview, bench_pages

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES_ADMIN_URL = os.environ.get(
    "CONSULT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-wachtwoord-123"
SECRET = "bench-secret-" + uuid.uuid4().hex
# The recommended setup for 2 cores (see README "Prestaties en betrouwbaarheid").
GUNICORN_WORKERS = int(os.environ.get("BENCH_WORKERS", "5"))
GUNICORN_THREADS = int(os.environ.get("BENCH_THREADS", "1"))  # 1: sync workers
B2_SECONDS = int(os.environ.get("BENCH_B2_SECONDS", "60"))
B3_MEMBERS = int(os.environ.get("BENCH_B3_MEMBERS", "10000"))
B3_TIMEOUT = 240
# B3s: B3 through an SMTP server that answers slowly (b3s_slow_smtp).
B3S_MEMBERS = min(int(os.environ.get("BENCH_B3S_MEMBERS", str(B3_MEMBERS))), B3_MEMBERS)
B3S_DELAY_MS = float(os.environ.get("BENCH_B3S_DELAY_MS", "20"))
B3S_LATE_EVERY = int(os.environ.get("BENCH_B3S_LATE_EVERY", "1000"))
B3S_DATA_TIMEOUT = float(os.environ.get("BENCH_B3S_DATA_TIMEOUT", "2"))
B3S_TIMEOUT = int(os.environ.get("BENCH_B3S_TIMEOUT", "900"))
CONCURRENCY = 50

def log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the machine ------------------------------------------------------------------

def machine() -> dict[str, str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    import gunicorn

    return {
        "cores": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "gunicorn": gunicorn.__version__,
        "load": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


# --- databases and data -------------------------------------------------------------

class Backend:
    def __init__(self, name: str, workdir: Path):
        self.name = name
        self.workdir = workdir
        self.drop = None
        if name == "sqlite":
            self.url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            import sqlalchemy as sa

            admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            database = f"consult_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
                self.version = connection.execute(sa.text("SHOW server_version")).scalar()
            self.url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=database) \
                .render_as_string(hide_password=False)

            def drop():
                with admin.connect() as connection:
                    connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                admin.dispose()

            self.drop = drop

    @property
    def label(self) -> str:
        return "SQLite" if self.name == "sqlite" else "PostgreSQL"

    def env(self, **extra) -> dict[str, str]:
        return {**os.environ, "CONSULT_SQLALCHEMY_DATABASE_URI": self.url,
                "CONSULT_SECRET_KEY": SECRET, "CONSULT_SESSION_COOKIE_SECURE": "false",
                "CONSULT_BASE_URL": "http://127.0.0.1",
                "CONSULT_MAIL_FILE_DIR": str(self.workdir / "mail"),
                "CONSULT_ATTACHMENT_DIR": str(self.workdir / "attachments"),
                "CONSULT_EXPORT_DIR": str(self.workdir / "exports"),
                **{key: str(value) for key, value in extra.items()}}

    def app(self, **extra):
        from consult import create_app

        return create_app({"SQLALCHEMY_DATABASE_URI": self.url, "SECRET_KEY": SECRET,
                           "MAIL_FILE_DIR": str(self.workdir / "mail"),
                           "EXPORT_DIR": str(self.workdir / "exports"),
                           "ATTACHMENT_DIR": str(self.workdir / "attachments"), **extra})


TEXT = ("Voor kleine gemeenten is dit voorstel zwaar: de implementatie vraagt capaciteit "
        "die wij niet hebben. Graag aandacht voor een regionale aanpak en een realistische "
        "planning. Zie ook https://www.vng.nl/ en het advies van de regio. **Belangrijk**: "
        "financiering vooraf regelen.")


def generate(backend: Backend) -> dict:
    """Schema plus data: a body whose members see each other's input; meeting A (15 items,
    40 inputs each), meeting B (one item with 200 inputs), meeting C (open for a month,
    for B2), meeting D (for the B3 reminder) and B3_MEMBERS members in all."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from consult.accounts.models import Organisation, Role, User
    from consult.accounts.services import hash_password
    from consult.comments.models import Comment
    from consult.database import utcnow
    from consult.extensions import db
    from consult.meetings.models import AgendaItem, Body, Meeting, Purpose

    app = backend.app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        now = utcnow().replace(microsecond=0)
        password_hash = hash_password(PASSWORD)
        organisations = list(Organisation)
        rows = [{"name": f"Lid {n:05d}", "email": f"lid{n:05d}@gemeente{n % 300}.example.org",
                 "organisation": organisations[n % len(organisations)], "municipality":
                 f"Gemeente {n % 300}", "role": Role.MEMBER, "active": True,
                 "password_hash": password_hash if n < 300 else None, "created_at": now,
                 "notify_on_reply": False}
                for n in range(B3_MEMBERS)]
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(User), rows[start:start + 2000])
        delegate = User(name="Mirjam Kok", email="gedelegeerde@example.org",
                        organisation=Organisation.VIAG, role=Role.DELEGATE,
                        password_hash=password_hash)
        db.session.add(delegate)
        db.session.flush()
        body = Body(name="Taskforce Samen Organiseren", short_name="TF",
                    members_see_each_other=True)
        body.organisations = organisations
        body.delegates = [delegate]
        db.session.add(body)
        members = db.session.scalars(db.select(User).where(User.role == Role.MEMBER)
                                     .order_by(User.id).limit(300)).all()

        def meeting(items: int, days: int, deadline_days: int) -> Meeting:
            result = Meeting(body=body, starts_at=now + timedelta(days=days),
                             ends_at=now + timedelta(days=days, hours=3),
                             input_deadline=now + timedelta(days=deadline_days),
                             location="VNG, Den Haag", published_at=now - timedelta(days=1))
            for number in range(1, items + 1):
                result.items.append(AgendaItem(
                    position=number, number=str(number), title=f"Agendapunt {number}",
                    explanation="Koen geeft een toelichting. " * 5,
                    purpose=Purpose.BESPREKING, presenter="Koen"))
            db.session.add(result)
            db.session.flush()
            return result

        a = meeting(15, 20, 15)
        b = meeting(1, 21, 16)
        c = meeting(5, 40, 30)
        d = meeting(2, 22, 17)
        comments = []
        for item in a.items:
            comments += [{"item_id": item.id, "author_id": member.id,
                          "text": f"{TEXT} ({member.name}, punt {item.number})",
                          "created_at": now, "updated_at": now} for member in members[:40]]
        comments += [{"item_id": b.items[0].id, "author_id": member.id,
                      "text": f"{TEXT} ({member.name})", "created_at": now, "updated_at": now}
                     for member in members[:200]]
        db.session.execute(insert(Comment), comments)
        db.session.commit()
        ids = {"meeting_a": a.id, "meeting_b": b.id, "item_b": b.items[0].id,
               "meeting_c": c.id, "items_c": [item.id for item in c.items],
               "meeting_d": d.id, "body": body.id,
               "member_emails": [member.email for member in members[250:300]],
               "load_emails": [member.email for member in members],
               "reader_email": members[0].email, "delegate_email": delegate.email}
        db.engine.dispose()
    return ids


# --- HTTP -------------------------------------------------------------------------

class Browser:
    """A tiny cookie-keeping HTTP/1.1 client on one keep-alive connection."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, form: dict | None = None):
        from urllib.parse import urlencode

        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.headers, data.decode("utf-8", "replace")

    def login(self, email: str) -> None:
        status, _, page = self.request("GET", "/inloggen")
        token = csrf_token(page, "pw-csrf_token")
        status, headers, _ = self.request("POST", "/inloggen/wachtwoord", {
            "pw-csrf_token": token, "pw-email": email, "pw-password": PASSWORD, "pw-next": ""})
        if status != 303:
            raise RuntimeError(f"login of {email} failed: {status}")


def csrf_token(page: str, name: str = "csrf_token") -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]+)"', page) or re.search(
        rf'value="([^"]+)"[^>]*name="{re.escape(name)}"', page)
    if not match:
        raise RuntimeError(f"no {name} in page")
    return match.group(1)


class Gunicorn:
    def __init__(self, backend: Backend):
        self.port = free_port()
        self.log = open(backend.workdir / "gunicorn.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(GUNICORN_WORKERS), "--threads",
             str(GUNICORN_THREADS), "-b", f"127.0.0.1:{self.port}", "--error-logfile", "-",
             "--graceful-timeout", "5", "wsgi:app"],
            cwd=ROOT, env={**backend.env(), "GUNICORN_CMD_ARGS": ""}, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.logfile = backend.workdir / "gunicorn.log"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: {self.logfile.read_text()[-2000:]}")

    def drain(self, limit: float = 60) -> None:
        """Wait until requests still queued from a load run are done (healthz answers
        fast again), so one run does not slow down the next."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            start = time.monotonic()
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                connection.close()
                if time.monotonic() - start < 0.05:
                    return
            time.sleep(0.5)

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def rss_mb(self) -> list[tuple[float, float]]:
        """(current, peak) resident memory of each worker."""
        result = []
        for pid in self.workers():
            fields = dict(line.split(":", 1) for line in
                          Path(f"/proc/{pid}/status").read_text().splitlines())
            result.append((int(fields["VmRSS"].split()[0]) / 1024,
                           int(fields["VmHWM"].split()[0]) / 1024))
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# --- the benchmarks -----------------------------------------------------------------

def b2_input(server: Gunicorn, ids: dict, backend: Backend) -> dict:
    """CONCURRENCY members, each with its own session and CSRF token, post input for
    B2_SECONDS; acknowledged = 303 to the item page."""
    browsers = []
    for email in ids["member_emails"][:CONCURRENCY]:
        browser = Browser(server.port)
        browser.login(email)
        item = ids["items_c"][len(browsers) % len(ids["items_c"])]
        _, _, page = browser.request("GET", f"/agendapunten/{item}")
        browser.item, browser.token = item, csrf_token(page)
        browsers.append(browser)
    acknowledged, errors, samples = [0] * len(browsers), [0] * len(browsers), []
    stop_at = time.monotonic() + B2_SECONDS
    start = time.monotonic()

    def member(index: int) -> None:
        browser = browsers[index]
        prefix = f"i{browser.item}"
        for number in range(100_000):  # bounded in count as well as in time
            if time.monotonic() >= stop_at:
                return
            try:
                status, headers, body = browser.request("POST", f"/agendapunten/{browser.item}/inbreng", {
                    "csrf_token": browser.token, f"{prefix}-kind": "inbreng",
                    f"{prefix}-text": f"Inbreng {index}-{number}: {TEXT}",
                    f"{prefix}-on_behalf": "self", f"{prefix}-context": "item"})
            except (OSError, http.client.HTTPException) as error:
                errors[index] += 1
                samples.append(repr(error))
                continue
            if status == 303:
                acknowledged[index] += 1
            else:
                errors[index] += 1
                samples.append(f"{status} {body[:200]}")

    threads = [threading.Thread(target=member, args=(i,)) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=B2_SECONDS + 60)
    elapsed = time.monotonic() - start
    from sqlalchemy import func, select

    from consult.comments.models import Comment
    from consult.extensions import db

    app = backend.app()
    with app.app_context():
        stored = db.session.scalar(select(func.count(Comment.id))
                                   .where(Comment.item_id.in_(ids["items_c"])))
        db.engine.dispose()
    locked = server.logfile.read_text(errors="replace").count("database is locked")
    return {"acknowledged": sum(acknowledged), "errors": sum(errors), "stored": stored,
            "rps": sum(acknowledged) / elapsed, "locked": locked, "samples": samples[:3]}


def b4_export(backend: Backend, ids: dict) -> dict:
    from consult.exports import documents
    from consult.extensions import db
    from consult.meetings.models import Meeting

    app = backend.app()
    result = {}
    with app.app_context():
        for fmt in ("docx", "pdf"):
            start = time.perf_counter()
            meeting = db.session.get(Meeting, ids["meeting_a"])
            minutes = documents.collect_minutes(meeting, with_inputs=True, with_names=True)
            minutes.with_appendix = True
            data = documents.BUILDERS[fmt](minutes, None)
            result[fmt] = time.perf_counter() - start
            result[f"{fmt}_bytes"] = len(data)
            db.session.remove()
        inputs = sum(len(item.inputs) for item in minutes.items)
        result["inputs"] = inputs
        db.engine.dispose()
    return result


class SinkHandler:
    def __init__(self):
        self.recipients: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


def due_reminder(app, ids: dict, offset_minutes: int) -> int:
    """A rule to everyone of the body on meeting D, due now; returns its reminder's id."""
    from consult.database import utcnow
    from consult.extensions import db
    from consult.meetings.models import Meeting
    from consult.reminders.models import Anchor, Audience, Reminder, ReminderRule
    from consult.reminders.planning import due_time

    with app.app_context():
        rule = ReminderRule(body_id=ids["body"], anchor=Anchor.DEADLINE, offset_minutes=offset_minutes,
                            audience=Audience.ALL, subject="Herinnering: geef uw inbreng",
                            message="De agenda staat open.")
        db.session.add(rule)
        db.session.flush()
        # The meeting's deadline is three days and a minute away: the rule is due now.
        meeting = db.session.get(Meeting, ids["meeting_d"])
        meeting.input_deadline = utcnow().replace(microsecond=0) + timedelta(days=3, minutes=-1)
        reminder = Reminder(meeting_id=meeting.id, rule_id=rule.id,
                            due_at=due_time(rule, meeting))
        db.session.add(reminder)
        db.session.commit()
        reminder_id = reminder.id
        db.engine.dispose()
    return reminder_id


def run_fanout(backend: Backend, reminder_id: int, port: int, timeout: float, **env) -> dict:
    """Two scheduler processes and four concurrent ticks deliver the reminder's messages
    to the SMTP server at `port`; waits until none is pending or sending. Returns the
    seconds until done (None: not within `timeout`) and the outbox statuses of the
    messages created in this run."""
    from collections import Counter

    from sqlalchemy import func, select

    from consult.extensions import db
    from consult.mail.models import OutboxMessage, OutboxStatus
    from consult.reminders.models import Reminder, ReminderStatus

    app = backend.app()
    with app.app_context():
        before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        db.session.rollback()
    env = backend.env(CONSULT_MAIL_SERVER="127.0.0.1", CONSULT_MAIL_PORT=port,
                      CONSULT_SCHEDULER_INTERVAL_SECONDS=1, **env)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    processes = []
    # Their log goes to a file: a pipe nobody reads blocks a process once it is full
    # (64 KB, about 1,200 "sent" lines), which once made this figure 5 messages/s.
    logfile = open(backend.workdir / "b3-processes.log", "a")  # noqa: SIM115

    def spawn(*args: str) -> subprocess.Popen:
        return subprocess.Popen(flask + list(args), cwd=ROOT, env=env, stdout=logfile,
                                stderr=subprocess.STDOUT, start_new_session=True)

    start = time.monotonic()
    try:
        processes += [spawn("scheduler") for _ in range(2)]
        ticks = [spawn("reminders", "tick") for _ in range(4)]
        processes += ticks
        done = queued = None
        with app.app_context():
            while time.monotonic() - start < timeout:
                time.sleep(0.5)
                db.session.rollback()
                status = db.session.scalar(select(Reminder.status).where(Reminder.id == reminder_id))
                open_messages = db.session.scalar(select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])))
                db.session.rollback()  # never hold the (SQLite) write lock while waiting
                if status == ReminderStatus.SENT and queued is None:
                    queued = time.monotonic() - start
                if status == ReminderStatus.SENT and open_messages == 0:
                    done = time.monotonic() - start
                    break
            statuses = Counter(dict(db.session.execute(
                select(OutboxMessage.status, func.count(OutboxMessage.id))
                .where(OutboxMessage.id > before).group_by(OutboxMessage.status)).all()))
            db.engine.dispose()
        for tick in ticks:
            with contextlib.suppress(subprocess.TimeoutExpired):
                tick.wait(timeout=30)
        tick_errors = [tick.returncode for tick in ticks if tick.returncode]
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        time.sleep(0.2)
        logfile.close()
    return {"seconds": done, "queued_seconds": queued, "tick_errors": tick_errors,
            "messages": sum(statuses.values()),
            "statuses": {str(getattr(k, "value", k)): n for k, n in statuses.items()}}


def b3_fanout(backend: Backend, ids: dict) -> dict:
    """One reminder to everyone, through the outbox to an aiosmtpd sink, with two
    scheduler processes and four concurrent ticks."""
    from aiosmtpd.controller import Controller

    reminder_id = due_reminder(backend.app(), ids, -3 * 1440)
    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        result = run_fanout(backend, reminder_id, controller.port, B3_TIMEOUT)
    finally:
        controller.stop()
    received = handler.recipients
    return {**result, "sent": result["statuses"].get("sent", 0), "received": len(received),
            "duplicates": len(received) - len(set(received))}


def b3s_slow_smtp(backend: Backend, ids: dict) -> dict:
    """B3 through an SMTP server that answers slowly (issue 15, finding 4): every answer
    to the final "." after B3S_DELAY_MS, every B3S_LATE_EVERY-th one only after the
    client's MAIL_DATA_TIMEOUT (B3S_DATA_TIMEOUT). BENCH_B3S_MEMBERS members (the others
    are made inactive for this run); every message must arrive once, the late ones held."""
    from sqlalchemy import select, update

    from consult.accounts.models import Role, User
    from consult.extensions import db
    from tests import slow_smtp

    app = backend.app()
    with app.app_context():
        keep = select(User.id).where(User.role == Role.MEMBER).order_by(User.id).limit(B3S_MEMBERS)
        db.session.execute(update(User).where(User.role == Role.MEMBER,
                                              User.id.not_in(keep.scalar_subquery()))
                           .values(active=False))
        db.session.commit()
        db.engine.dispose()
    # A second rule, a minute earlier than B3's: a reminder (and messages) of its own.
    reminder_id = due_reminder(app, ids, -3 * 1440 - 1)
    handler = slow_smtp.SlowHandler(B3S_DELAY_MS / 1000, B3S_LATE_EVERY, B3S_DATA_TIMEOUT + 2)
    controller = slow_smtp.start(handler)
    try:
        result = run_fanout(backend, reminder_id, controller.port, B3S_TIMEOUT,
                            CONSULT_MAIL_DATA_TIMEOUT=B3S_DATA_TIMEOUT, CONSULT_MAIL_TIMEOUT=10,
                            CONSULT_MAIL_RETRY_BASE_SECONDS=1)
        time.sleep(B3S_DATA_TIMEOUT + 2.5)  # the late answers still under way
    finally:
        controller.stop()
    by_id, by_recipient = handler.duplicates()
    return {**result, "received": len(handler.received), "late": len(handler.late_ids),
            "duplicates": by_id, "duplicate_recipients": by_recipient}


# --- the table --------------------------------------------------------------------

def ms(microseconds: float) -> str:
    return f"{microseconds / 1000:.0f} ms"


def rows(results: dict[str, dict]) -> list[tuple[str, str, dict[str, str], str]]:
    """(benchmark, metric, {backend: figure}, target)."""
    out = []

    def add(bench, metric, target, figure):
        out.append((bench, metric, {name: figure(r) for name, r in results.items()}, target))

    def safe(function):
        def wrapped(r):
            try:
                return function(r)
            except (KeyError, TypeError, ZeroDivisionError):
                errors = [v["error"] for v in r.values() if isinstance(v, dict) and "error" in v]
                return f"failed: {errors[0][:80]}" if errors else "–"
        return wrapped

    bench_pages.table_rows(add, safe)
    add("B2", f"{CONCURRENCY} members posting {B2_SECONDS} s: errors, req/s", "0 errors",
        safe(lambda r: f"{r['b2']['errors']} errors ({r['b2']['locked']} locked), "
                       f"{r['b2']['rps']:.0f}/s"))
    add("B2", "acknowledged = stored", "equal", safe(
        lambda r: f"{r['b2']['acknowledged']} = {r['b2']['stored']}"
        + (" ✓" if r['b2']['acknowledged'] == r['b2']['stored'] else " ✗")))
    add("B3", f"reminder to {B3_MEMBERS:,} members: all delivered in", "≤ 30 s", safe(
        lambda r: (f"{r['b3']['seconds']:.1f} s" if r['b3']['seconds'] is not None
                   else f"not done in {B3_TIMEOUT} s") + f" ({r['b3']['sent']:,} sent)"))
    add("B3", "duplicates (2 schedulers + 4 ticks)", "0", safe(
        lambda r: f"{r['b3']['duplicates']} (received {r['b3']['received']:,})"))
    add("B3s", f"reminder to {B3S_MEMBERS:,} members, SMTP answering after {B3S_DELAY_MS:.0f} ms, "
        f"every {B3S_LATE_EVERY:,}th after the {B3S_DATA_TIMEOUT:g} s DATA timeout: all done in",
        "–", safe(lambda r: f"{r['b3s']['seconds']:.1f} s" if r['b3s']['seconds'] is not None
                  else f"not done in {B3S_TIMEOUT} s"))
    add("B3s", "received by the server; duplicates by Message-ID / by recipient", "0 / 0", safe(
        lambda r: f"{r['b3s']['received']:,}; {r['b3s']['duplicates']} / "
                  f"{r['b3s']['duplicate_recipients']}"))
    add("B3s", "outbox: sent / held / failed / pending", "held = late answers", safe(
        lambda r: " / ".join(f"{r['b3s']['statuses'].get(s, 0):,}" for s in
                             ("sent", "held", "failed", "pending"))
                  + f" (late answers: {r['b3s']['late']})"))
    add("B4", "DOCX / PDF, 15 items + 600 inputs", "≤ 3 s each", safe(
        lambda r: f"{r['b4']['docx']:.2f} s / {r['b4']['pdf']:.2f} s"))
    add("B5", "steady RSS per web worker after B1b", "≤ 110 MB", safe(
        lambda r: ", ".join(f"{now:.0f}" for now, _ in r['b5']) + " MB"))
    # The peak includes B1b's password logins: argon2 holds 64 MiB while it runs.
    add("B5", "peak RSS per web worker (with logins)", "≤ 180 MB", safe(
        lambda r: ", ".join(f"{peak:.0f}" for _, peak in r['b5']) + " MB"))
    return out


def table(results: dict[str, dict], info: dict[str, str]) -> str:
    names = list(results)
    labels = {"sqlite": f"SQLite {info['sqlite']}",
              "postgresql": f"PostgreSQL {info.get('postgresql', '?')}"}
    lines = ["| | measure | target | " + " | ".join(labels[n] for n in names) + " |",
             "|---|---|---|" + "---|" * len(names)]
    for bench, metric, figures, target in rows(results):
        lines.append(f"| {bench} | {metric} | {target} | "
                     + " | ".join(figures[n] for n in names) + " |")
    lines.append("")
    lines.append(f"Machine: {info['cores']} cores, {info['memory']} RAM, {info['cpu']}, "
                 f"{info['os']}; Python {info['python']}, gunicorn {info['gunicorn']} "
                 f"(-w {GUNICORN_WORKERS} --threads {GUNICORN_THREADS}); B1b's load generator "
                 f"(asyncio, {bench_pages.B1B_MEMBERS} members) on the same machine; load average "
                 f"at the start {info['load']}; {time.strftime('%Y-%m-%d %H:%M')}.")
    return "\n".join(lines)


def step(result: dict, name: str, function, *args) -> None:
    """One benchmark; a failure is reported in the table and the others still run."""
    try:
        result[name] = function(*args)
    except Exception as error:  # noqa: BLE001
        log(f"{name} failed: {error!r}")
        result[name] = {"error": repr(error)}


def run_backend(name: str, workdir: Path, skip: set[str]) -> dict:
    backend = Backend(name, workdir)
    result: dict = {}
    try:
        log(f"{backend.label}: generating data")
        ids = generate(backend)
        if "b1a" not in skip:
            log("B1a: CPU per page in-process, beside the reference pages")
            step(result, "b1a", bench_pages.b1a_costs, backend, ids, PASSWORD)
        server = Gunicorn(backend)
        try:
            if "b1b" not in skip:
                log(f"B1b: open loop, {bench_pages.B1B_RATE:.0f} req/s for "
                    f"{bench_pages.B1B_SECONDS:.0f} s, then rising rates")
                step(result, "b1b", bench_pages.b1b_load, server.port, ids, PASSWORD, server.drain)
                result["b5"] = server.rss_mb()
            if "b2" not in skip:
                log(f"B2: {CONCURRENCY} members posting for {B2_SECONDS} s")
                step(result, "b2", b2_input, server, ids, backend)
        finally:
            server.stop()
        if "b4" not in skip:
            log("B4: exports")
            step(result, "b4", b4_export, backend, ids)
        if "b3" not in skip:
            log(f"B3: reminder to {B3_MEMBERS} members")
            step(result, "b3", b3_fanout, backend, ids)
        if "b3s" not in skip:
            log(f"B3s: reminder to {B3S_MEMBERS} members through a slow SMTP server")
            step(result, "b3s", b3s_slow_smtp, backend, ids)
        if name == "postgresql":
            result["version"] = backend.version
    finally:
        if backend.drop:
            backend.drop()
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--skip", default="", help="e.g. b2,b3")
    parser.add_argument("--output", default=str(ROOT / "instance" / "bench-last.md"))
    args = parser.parse_args()
    info = machine()
    results: dict[str, dict] = {}
    for name in args.backends.split(","):
        workdir = Path(tempfile.mkdtemp(prefix=f"consult-bench-{name}-"))
        try:
            results[name] = run_backend(name, workdir, set(filter(None, args.skip.split(","))))
        except Exception as error:  # noqa: BLE001 - report and go on with the next backend
            log(f"{name} failed: {error!r}")
            results[name] = {"error": repr(error)}
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if "version" in results[name]:
            info["postgresql"] = results[name]["version"]
    output = table(results, info)
    output += "\n\n" + bench_overview.report()  # quality and speed of the overview (issue 14)
    print(output)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(output + "\n\n```json\n" + json.dumps(results, indent=1, default=str)
                                 + "\n```\n")
    for name, result in results.items():
        if "b2" in result and result["b2"]["samples"]:
            log(f"{name} B2 error samples: {result['b2']['samples']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
