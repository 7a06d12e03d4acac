import email
import subprocess
import sys
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.accounts import services
from consult.accounts.models import LoginLink, LoginSession, ThrottleCounter, User
from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage


def outbox(app, kind="login_link"):
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()


def link_token_from(app, message: OutboxMessage) -> str:
    """From the mail as delivered (the request sends a login link at once, and the
    stored body is redacted after sending), or from the outbox row before that."""
    path = Path(app.config["MAIL_FILE_DIR"]) / f"{message.id:08d}-{message.kind}.eml"
    text = email.message_from_bytes(path.read_bytes(), policy=policy.default).get_body(
        ("plain",)).get_content() if path.exists() else message.body_text  # not sent yet
    marker = "/inloggen/link/"
    start = text.index(marker) + len(marker)
    return text[start:].split()[0]


def member_email(app, users, role="member"):
    with app.app_context():
        return db.session.get(User, users[role]).email


def test_link_request_answers_the_same_for_unknown_addresses(app, client, users):
    known = client.post("/inloggen", data={"email": member_email(app, users)})
    unknown = client.post("/inloggen", data={"email": "niemand@example.org"})
    assert known.status_code == unknown.status_code == 303
    # The page keeps the address typed, known or not: it tells nothing.
    assert known.headers["Location"] == "/inloggen/verstuurd?email=" + member_email(app, users)
    assert unknown.headers["Location"] == "/inloggen/verstuurd?email=niemand@example.org"
    messages = outbox(app)
    assert [m.recipient for m in messages] == [member_email(app, users)]
    assert "Uw inloglink" in messages[0].subject


def test_link_request_with_bad_address_keeps_input_and_explains(client, users):
    response = client.post("/inloggen", data={"email": "geen-adres"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Dit is geen geldig e-mailadres." in html
    assert 'value="geen-adres"' in html


def test_login_link_logs_in_once(app, client, users):
    client.post("/inloggen", data={"email": member_email(app, users).upper(),
                                   "next": "/account"})
    token = link_token_from(app, outbox(app)[0])
    page = client.get(f"/inloggen/link/{token}")
    assert page.status_code == 200
    assert "Anouk Smit" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    # Opening the page (as a mail scanner would) does not use the link.
    used = client.post(f"/inloggen/link/{token}")
    assert used.status_code == 303
    assert used.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    # Single use.
    client.post("/uitloggen")
    again = client.post(f"/inloggen/link/{token}")
    assert again.status_code == 410
    assert "al gebruikt" in again.get_data(as_text=True)


def test_login_link_expires_after_15_minutes(app, client, users):
    with app.test_request_context():
        past = utcnow() - timedelta(minutes=15, seconds=1)
        services.request_login_link(member_email(app, users), "10.0.0.1", now=past)
        db.session.commit()
    token = link_token_from(app, outbox(app)[0])
    response = client.post(f"/inloggen/link/{token}")
    assert response.status_code == 410
    assert "verlopen" in response.get_data(as_text=True)


def test_login_link_just_before_expiry_works(app, client, users):
    with app.test_request_context():
        past = utcnow() - timedelta(minutes=14, seconds=50)
        services.request_login_link(member_email(app, users), "10.0.0.1", now=past)
        db.session.commit()
    token = link_token_from(app, outbox(app)[0])
    assert client.post(f"/inloggen/link/{token}").status_code == 303


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example", "/\\evil",
                                      "javascript:alert(1)"])
def test_login_link_never_redirects_off_site(app, client, users, next_url):
    client.post("/inloggen", data={"email": member_email(app, users), "next": next_url})
    token = link_token_from(app, outbox(app)[0])
    assert client.post(f"/inloggen/link/{token}").headers["Location"] == "/"


def test_unknown_link_is_refused(client):
    assert client.get("/inloggen/link/verzonnen").status_code == 410
    assert client.post("/inloggen/link/verzonnen").status_code == 410


def test_link_requests_are_limited_per_address(app, client, users):
    email = member_email(app, users)
    for _ in range(app.config["LOGIN_LINK_LIMIT_PER_ADDRESS"]):
        assert client.post("/inloggen", data={"email": email}).status_code == 303
    response = client.post("/inloggen", data={"email": email})
    assert response.status_code == 429
    assert "te vaak een inloglink" in response.get_data(as_text=True)
    assert len(outbox(app)) == app.config["LOGIN_LINK_LIMIT_PER_ADDRESS"]


def test_link_requests_are_limited_per_ip(app, client):
    limit = app.config["LOGIN_LINK_LIMIT_PER_IP"]
    for number in range(limit):
        client.post("/inloggen", data={"email": f"iemand{number}@example.org"})
    response = client.post("/inloggen", data={"email": "nog.een@example.org"})
    assert response.status_code == 429
    other_ip = client.post("/inloggen", data={"email": "nog.een@example.org"},
                           environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_ip.status_code == 303


def set_password(app, user_id, password):
    with app.app_context():
        services.set_password(db.session.get(User, user_id), password)
        db.session.commit()


def test_password_login(app, client, users):
    set_password(app, users["member"], "een lange zin als wachtwoord")
    response = client.post("/inloggen/wachtwoord", data={
        "pw-email": member_email(app, users), "pw-password": "een lange zin als wachtwoord"})
    assert response.status_code == 303
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_the_address_kept(app, client, users):
    set_password(app, users["member"], "een lange zin als wachtwoord")
    response = client.post("/inloggen/wachtwoord", data={
        "pw-email": member_email(app, users), "pw-password": "fout wachtwoord!"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Het e-mailadres of het wachtwoord klopt niet." in html
    assert member_email(app, users) in html
    assert client.get("/").status_code == 302


def test_failed_logins_are_throttled_in_the_database(app, client, users):
    set_password(app, users["member"], "een lange zin als wachtwoord")
    email = member_email(app, users)
    for _ in range(app.config["LOGIN_FAILURE_LIMIT_PER_ADDRESS"]):
        client.post("/inloggen/wachtwoord", data={"pw-email": email, "pw-password": "fout!!!!!!!"})
    # Even the right password is refused now; a second client (another worker) agrees.
    other = app.test_client()
    response = other.post("/inloggen/wachtwoord", data={
        "pw-email": email, "pw-password": "een lange zin als wachtwoord"})
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.get_data(as_text=True)
    with app.app_context():
        # Three counters (address from this IP, address, IP), each at five.
        assert db.session.scalars(select(ThrottleCounter.count)).all() == [5, 5, 5]


def test_short_demo_password_only_in_demo_mode(app, client, users):
    set_password(app, users["member"], "demo")
    data = {"pw-email": member_email(app, users), "pw-password": "demo"}
    assert client.post("/inloggen/wachtwoord", data=data).status_code == 422
    app.config["DEMO"] = True
    assert client.post("/inloggen/wachtwoord", data=data).status_code == 303


def test_logout_invalidates_the_session_on_the_server(app, client, users, auth):
    auth.login("member")
    stolen_cookie = client.get_cookie("consult_session").value
    assert client.post("/uitloggen").status_code == 303
    thief = app.test_client()
    thief.set_cookie("consult_session", stolen_cookie)
    assert thief.get("/").status_code == 302


def test_logout_everywhere(app, client, users, auth):
    auth.login("member")
    laptop = app.test_client()
    AuthLaptop = type(auth)(app, laptop, users)
    AuthLaptop.login("member")
    assert laptop.get("/").status_code == 200
    assert client.post("/uitloggen/overal").status_code == 303
    assert laptop.get("/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginSession.id)).where(
            LoginSession.revoked_at.is_(None))) == 0


def test_deactivated_member_is_logged_out_and_cannot_get_a_link(app, client, users, auth):
    auth.login("member")
    with app.app_context():
        db.session.get(User, users["member"]).active = False
        db.session.commit()
    assert client.get("/").status_code == 302
    client.post("/inloggen", data={"email": member_email(app, users)})
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginLink.id))) == 0


def test_set_and_remove_password(app, client, users, auth):
    auth.login("member")
    short = client.post("/account", data={"password": "kort", "password_confirm": "kort"})
    assert short.status_code == 422
    assert "minstens 10 tekens" in short.get_data(as_text=True)
    different = client.post("/account", data={"password": "een lange zin als wachtwoord",
                                              "password_confirm": "iets anders"})
    assert "niet gelijk" in different.get_data(as_text=True)
    ok = client.post("/account", data={"password": "een lange zin als wachtwoord",
                                       "password_confirm": "een lange zin als wachtwoord"})
    assert ok.status_code == 303
    with app.app_context():
        stored = db.session.get(User, users["member"]).password_hash
        assert stored.startswith("$argon2id$")
    wrong = client.post("/account/wachtwoord-verwijderen", data={"rm-current_password": "nee"})
    assert wrong.status_code == 422 and "klopt niet" in wrong.get_data(as_text=True)
    client.post("/account/wachtwoord-verwijderen",
                data={"rm-current_password": "een lange zin als wachtwoord"})
    with app.app_context():
        assert db.session.get(User, users["member"]).password_hash is None


def test_session_cookie_flags(database_uri, migrated, tmp_path):
    from tests.conftest import make_app

    app = make_app(database_uri, tmp_path, SESSION_COOKIE_SECURE=None)
    assert app.config["SESSION_COOKIE_SECURE"] is True  # not debug: Secure
    response = app.test_client().get("/inloggen")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    from consult.extensions import db as database

    with app.app_context():
        database.engine.dispose()


def test_password_checks_take_their_memory_one_at_a_time():
    """Four threads checking passwords at once: argon2 holds 64 MiB per computation, so
    the process grows by one computation's memory, not four (measured in a fresh
    process: its peak RSS)."""
    script = """
import resource, threading
from consult.accounts.services import hash_password, password_matches
stored = hash_password("een lange zin als wachtwoord")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
threads = [threading.Thread(target=password_matches, args=(stored, "een lange zin als wachtwoord"))
           for _ in range(4)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""
    # Before: one hash already raised the peak by 64 MiB; four at once would add ~192 more.
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) < 32 * 1024  # KiB
