"""Polling a real IMAP mailbox (Dovecot, started here on a free port with a generated
configuration): each new message is stored once, and marked \\Seen only after its row is
committed. Skipped locally when Dovecot is not installed; with CI=true it must run."""

import imaplib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from consult.comments.models import Comment
from consult.extensions import db
from consult.mail.inbound_models import InboundMessage, InboundStatus
from consult.mail.receiver import poll_imap
from consult.mail.tokens import reply_address
from consult.scheduler import run_tick
from tests.conftest import skip_unless_ci
from tests.factories import make_body, make_meeting, make_user
from tests.test_mail_smtp import free_port

USER, PASSWORD = "consult", "geheim"
CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def dovecot_users() -> tuple[str, int, int]:
    """As root, Dovecot's own users (it refuses root for logins and mail); otherwise
    everything runs as the current user."""
    if os.getuid() == 0:
        account = pwd.getpwnam("dovecot")
        return f"first_valid_uid = {account.pw_uid}\n", account.pw_uid, account.pw_gid
    name = pwd.getpwuid(os.getuid()).pw_name
    users = (f"default_internal_user = {name}\ndefault_login_user = {name}\n"
             f"first_valid_uid = {os.getuid()}\n")
    return users, os.getuid(), os.getgid()


@pytest.fixture
def dovecot():
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists()
                                         else None)
    if binary is None:
        skip_unless_ci("Dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="consult-dovecot-"))
    root.chmod(0o755)  # the mail processes run as Dovecot's user
    for name in ("run", "state", "home"):
        (root / name).mkdir()
    users, uid, gid = dovecot_users()
    os.chown(root / "home", uid, gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, users=users, uid=uid, gid=gid,
                                                     port=port))
    # Dovecot goes to the background: no pipes (they would stay open), errors to a file.
    with open(root / "start.log", "w") as errors:
        started = subprocess.run([binary, "-c", str(root / "dovecot.conf")],
                                 stdin=subprocess.DEVNULL, stdout=errors, stderr=errors,
                                 timeout=30)
    if started.returncode != 0 or not wait_for(port):
        stop_dovecot(root)
        skip_unless_ci(f"Dovecot did not start: {(root / 'start.log').read_text()[-500:]}")
    yield port
    stop_dovecot(root)


def stop_dovecot(root: Path) -> None:
    pid_file = root / "run" / "master.pid"
    if pid_file.exists():
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):  # its listeners close before the next test's start
            if not pid_file.exists():
                break
            time.sleep(0.1)
    shutil.rmtree(root, ignore_errors=True)


def wait_for(port: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            imaplib.IMAP4("127.0.0.1", port, timeout=2).logout()
            return True
        except OSError:
            time.sleep(0.1)
    return False


@pytest.fixture
def app_config(dovecot):
    return {"IMAP_HOST": "127.0.0.1", "IMAP_PORT": dovecot, "IMAP_SSL": False,
            "IMAP_USER": USER, "IMAP_PASSWORD": PASSWORD, "IMAP_FOLDER": "INBOX",
            "REPLY_DOMAIN": "antwoord.example.org"}


def mailbox(port: int) -> imaplib.IMAP4:
    connection = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    connection.login(USER, PASSWORD)
    connection.select("INBOX")
    return connection


def deliver(port: int, raw: bytes) -> None:
    connection = mailbox(port)
    connection.append("INBOX", None, None, raw)
    connection.logout()


def unseen(port: int) -> int:
    connection = mailbox(port)
    _, data = connection.uid("SEARCH", None, "UNSEEN")
    connection.logout()
    return len(data[0].split())


def message(body: str, message_id: str, to="lid@antwoord.example.org",
            sender="lid@example.org") -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, "Re: Herinnering"
    mail["Message-ID"] = message_id
    mail.set_content(body)
    return mail.as_bytes()


def rows(app) -> list[InboundMessage]:
    with app.app_context():
        found = db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        db.session.expunge_all()
        return found


def test_new_messages_are_stored_once_and_then_seen(app, dovecot):
    deliver(dovecot, message("4: Eens.", "<een@example.org>"))
    deliver(dovecot, message("4: Eens.", "<een@example.org>"))  # the same mail, twice
    deliver(dovecot, message("3A: Oneens.", "<twee@example.org>"))
    assert unseen(dovecot) == 3
    with app.app_context():
        assert poll_imap() == 2
    assert [row.dedup_key for row in rows(app)] == ["<een@example.org>", "<twee@example.org>"]
    assert {row.source for row in rows(app)} == {"imap"}
    assert unseen(dovecot) == 0
    with app.app_context():
        assert poll_imap() == 0  # nothing new
    assert len(rows(app)) == 2


def test_a_database_failure_leaves_the_message_unseen(app, dovecot):
    deliver(dovecot, message("4: Eens.", "<drie@example.org>"))
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE inbound_message RENAME TO inbound_away"))
    try:
        with app.app_context(), pytest.raises(SQLAlchemyError):
            poll_imap()
    finally:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE inbound_away RENAME TO inbound_message"))
    assert unseen(dovecot) == 1 and rows(app) == []
    with app.app_context():
        assert poll_imap() == 1
    assert unseen(dovecot) == 0 and len(rows(app)) == 1


def test_the_tick_polls_and_turns_the_reply_into_input(app, dovecot):
    with app.test_request_context():
        member = make_user(name="Anouk Smit", email="anouk@gemeente.example.org")
        meeting = make_meeting(make_body(delegates=[make_user("delegate")]), items=2)
        address, sender = reply_address(meeting.id, member.id), member.email
        db.session.commit()
    deliver(dovecot, message("Beste,\n\n2: Graag meer tijd.\n\nGroet, Anouk",
                             "<vier@example.org>", to=address, sender=sender))
    with app.test_request_context():
        result = run_tick()
        assert result["imap"] == 1 and result["replies_processed"] == 1
        [comment] = db.session.scalars(select(Comment)).all()
        assert comment.text.startswith("Graag meer tijd.") and comment.item.label == "2"
    assert [row.status for row in rows(app)] == [InboundStatus.PROCESSED]
    assert unseen(dovecot) == 0
