"""Login links go out at once (in the request's after_commit, over a real aiosmtpd
server), exactly once with the scheduler; the login page keeps the address it was given;
in demo mode a page shows the sent mail with its links clickable (404 otherwise)."""

import pytest
from sqlalchemy import select

from consult.accounts.models import User
from consult.extensions import db
from consult.mail.delivery import deliver_now, deliver_pending
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.mail.services import queue_message
from tests.test_mail_smtp import smtp_server  # noqa: F401 - the real aiosmtpd server


@pytest.fixture
def app_config(smtp_server):  # noqa: F811
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port, "MAIL_TIMEOUT": 5}


def member_email(app, users) -> str:
    with app.app_context():
        return db.session.get(User, users["member"]).email


def test_a_login_link_is_delivered_by_the_request_itself(app, client, users, smtp_server):  # noqa: F811
    address = member_email(app, users)
    assert client.post("/inloggen", data={"email": address}).status_code == 303
    [received] = smtp_server.received  # no scheduler tick ran
    assert received["To"] == address and "inloglink" in received["Subject"]
    with app.app_context():
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.status == OutboxStatus.SENT and message.attempts == 1
        assert deliver_pending().sent == 0  # the tick finds nothing left to send
    assert len(smtp_server.received) == 1


def test_the_tick_and_the_request_never_both_send_one(app, smtp_server):  # noqa: F811
    with app.app_context():
        message = queue_message(kind="login_link", recipient="lid@example.org",
                                subject="Uw inloglink voor Consult", template="login_link",
                                context={"user": None, "link": "http://x/inloggen/link/a",
                                         "minutes": 15})
        db.session.commit()
        assert deliver_pending().sent == 1  # the tick was first
        assert deliver_now([message.id]).sent == 0  # the request's delivery finds it sent
    assert len(smtp_server.received) == 1


def test_a_failed_immediate_delivery_is_left_to_the_tick(app, client, users, smtp_server):  # noqa: F811
    smtp_server.answers.append("451 4.3.0 probeer later")
    assert client.post("/inloggen", data={"email": member_email(app, users)}).status_code == 303
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert smtp_server.received == []


def test_the_login_page_keeps_the_address(app, client, users):
    page = client.get("/inloggen?email=j.jansen@zwolle.nl").get_data(as_text=True)
    assert page.count('value="j.jansen@zwolle.nl"') == 2  # both forms
    failed = client.post("/inloggen/wachtwoord", data={"pw-email": "j.jansen@zwolle.nl",
                                                       "pw-password": "niet goed genoeg"})
    assert failed.status_code == 422
    assert failed.get_data(as_text=True).count('value="j.jansen@zwolle.nl"') == 2
    sent = client.post("/inloggen", data={"email": "j.jansen@zwolle.nl"})
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert 'href="/inloggen?email=j.jansen@zwolle.nl"' in page  # "vraag een nieuwe link aan"


def test_the_demo_mail_page_is_absent_outside_demo_mode(app, client):
    assert client.get("/demo/mail").status_code == 404
    assert client.get("/demo/mail/1").status_code == 404
    assert "Bekijk de verzonden mail" not in client.get("/inloggen").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"DEMO": True}])
def test_in_demo_mode_the_sent_mail_is_one_click_away(app, client, users, app_config):
    login = client.get("/inloggen").get_data(as_text=True)
    assert 'href="/demo/mail">Bekijk de verzonden mail (demo)' in login
    client.post("/inloggen", data={"email": member_email(app, users)})
    listing = client.get("/demo/mail").get_data(as_text=True)
    assert "Uw inloglink voor Consult" in listing and "<td>verstuurd</td>" in listing
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == OutboxStatus.SENT  # sent, and in the demo not redacted
    page = client.get(f"/demo/mail/{message.id}").get_data(as_text=True)
    start = page.index('<a href="http://localhost/inloggen/link/') + len('<a href="http://localhost')
    link = page[start:page.index('"', start)]
    assert client.get(link).status_code == 200  # the login link's page
    assert client.post(link).status_code == 303  # logged in
    assert client.get("/").status_code == 200
    assert client.get("/demo/mail/999999").status_code == 404
