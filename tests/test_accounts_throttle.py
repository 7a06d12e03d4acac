"""Rate limits (consult/accounts/throttle.py): atomic across web workers, and a stranger's
wrong passwords lock the stranger's IP address out, not the owner."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from consult.accounts import services, throttle
from consult.accounts.models import ThrottleCounter, User
from consult.extensions import db
from consult.mail.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "een lange zin als wachtwoord"
WINDOW = timedelta(minutes=15)


def owner_with_password(app, users) -> str:
    with app.app_context():
        user = db.session.get(User, users["member"])
        services.set_password(user, PASSWORD)
        db.session.commit()
        return user.email


def test_take_counts_up_to_the_limit_and_gives_back(app):
    limit = throttle.Limit("test:sleutel", 3, WINDOW)
    now = datetime(2030, 1, 1, 9, 1, tzinfo=UTC)
    with app.app_context():
        for _ in range(3):
            throttle.take([limit], now)
        with pytest.raises(throttle.TooManyAttempts) as refused:
            throttle.take([limit], now + timedelta(minutes=1))
        # The window began at 9:00, so it ends at 9:15: 13 minutes from 9:02.
        assert refused.value.retry_after == 13 * 60 and refused.value.minutes == 13
        throttle.give_back([limit], now)
        throttle.take([limit], now)  # the slot given back is free again
        # The next window starts counting again.
        throttle.take([limit], now + WINDOW)
        assert db.session.scalar(select(ThrottleCounter.count)) == 1
        db.session.rollback()


def test_a_refused_limit_takes_none_of_the_others(app):
    wide = throttle.Limit("test:ruim", 10, WINDOW)
    narrow = throttle.Limit("test:krap", 0, WINDOW)
    with app.app_context():
        with pytest.raises(throttle.TooManyAttempts):
            throttle.take([wide, narrow])
        assert db.session.scalars(select(ThrottleCounter.count)).all() == [0]
        db.session.rollback()


def test_prune_removes_counters_of_windows_long_over(app):
    now = datetime(2030, 1, 2, 12, 0, tzinfo=UTC)
    with app.app_context():
        throttle.take([throttle.Limit("test:oud", 5, WINDOW)], now - timedelta(days=2))
        throttle.take([throttle.Limit("test:nieuw", 5, WINDOW)], now)
        assert throttle.prune(now) == 1
        assert db.session.scalar(select(func.count(ThrottleCounter.key))) == 1
        db.session.rollback()


def test_a_stranger_locks_his_own_ip_out_not_the_owner(app, users):
    email = owner_with_password(app, users)
    stranger = {"REMOTE_ADDR": "203.0.113.66"}
    client = app.test_client()
    for _ in range(app.config["LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_IP"]):
        wrong = client.post("/inloggen/wachtwoord", environ_base=stranger,
                            data={"pw-email": email, "pw-password": "geraden wachtwoord"})
        assert wrong.status_code == 422
    locked = client.post("/inloggen/wachtwoord", environ_base=stranger,
                         data={"pw-email": email, "pw-password": PASSWORD})
    assert locked.status_code == 429
    html = locked.get_data(as_text=True)
    assert "Te veel mislukte pogingen" in html and "inloglink" in html
    # The owner, from her own network, logs in with her password as always.
    owner = app.test_client().post("/inloggen/wachtwoord",
                                   environ_base={"REMOTE_ADDR": "198.51.100.7"},
                                   data={"pw-email": email, "pw-password": PASSWORD})
    assert owner.status_code == 303


def test_right_passwords_do_not_count(app, users):
    email = owner_with_password(app, users)
    client = app.test_client()
    for _ in range(app.config["LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_IP"] + 3):
        answer = client.post("/inloggen/wachtwoord",
                             data={"pw-email": email, "pw-password": PASSWORD})
        assert answer.status_code == 303
        client.post("/uitloggen")


def test_a_spread_out_attack_still_leaves_the_login_link(app, users):
    email = owner_with_password(app, users)
    app.config["LOGIN_FAILURE_LIMIT_PER_ADDRESS"] = 3
    client = app.test_client()
    for number in range(3):
        client.post("/inloggen/wachtwoord", environ_base={"REMOTE_ADDR": f"203.0.113.{number}"},
                    data={"pw-email": email, "pw-password": "geraden wachtwoord"})
    locked = client.post("/inloggen/wachtwoord", data={"pw-email": email, "pw-password": PASSWORD})
    assert locked.status_code == 429
    assert client.post("/inloggen", data={"email": email}).status_code == 303


# --- concurrent requests against real web workers ----------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def web_workers(app, database_uri, tmp_path):
    """gunicorn with five worker processes on this test's database."""
    port = free_port()
    env = {**os.environ, "CONSULT_SQLALCHEMY_DATABASE_URI": database_uri,
           "CONSULT_SECRET_KEY": "test-secret", "CONSULT_WTF_CSRF_ENABLED": "false",
           "CONSULT_SESSION_COOKIE_SECURE": "false", "CONSULT_BASE_URL": "http://localhost",
           "CONSULT_MAIL_FILE_DIR": str(tmp_path / "mail")}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "5", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/inloggen", timeout=10).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still booting
                pass
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def at_once(count: int, send) -> Counter:
    """`count` requests released together; their status codes."""
    start = threading.Barrier(count)
    codes: Counter = Counter()
    lock = threading.Lock()

    def worker():
        start.wait()
        code = send().status_code
        with lock:
            codes[code] += 1

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def test_concurrent_wrong_passwords_get_exactly_the_limit_of_checks(app, users, web_workers):
    email = owner_with_password(app, users)
    limit = app.config["LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_IP"]
    codes = at_once(40, lambda: requests.post(
        f"{web_workers}/inloggen/wachtwoord", timeout=120, allow_redirects=False,
        data={"pw-email": email, "pw-password": "geraden wachtwoord"}))
    # Checked and refused (422): exactly the limit; the others never reached the check.
    assert codes == {422: limit, 429: 40 - limit}


def test_concurrent_link_requests_send_exactly_the_limit(app, users, web_workers):
    with app.app_context():
        email = db.session.get(User, users["member"]).email
    limit = app.config["LOGIN_LINK_LIMIT_PER_ADDRESS"]
    codes = at_once(40, lambda: requests.post(
        f"{web_workers}/inloggen", data={"email": email}, timeout=120, allow_redirects=False))
    assert codes == {303: limit, 429: 40 - limit}
    with app.app_context():
        sent = db.session.scalar(select(func.count(OutboxMessage.id))
                                 .where(OutboxMessage.kind == "login_link"))
    assert sent == limit
