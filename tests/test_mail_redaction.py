"""Issue 15 finding 10: a database copy holds no working login link. The link is in
the delivered mail (a real aiosmtpd server) and works; the stored bodies lose it once
the message is sent or has failed for good."""

import re

from sqlalchemy import select

from consult.accounts.models import User
from consult.extensions import db
from consult.mail.delivery import deliver_pending
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.mail.redaction import REDACTED
from tests.test_mail_smtp import app_config, smtp_server  # noqa: F401  (fixtures)

LINK = re.compile(r"http://localhost/inloggen/link/[\w-]+")


def login_link_row(app) -> OutboxMessage:
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "login_link"))
        db.session.expunge(message)
        return message


def request_link(app, client, users):
    with app.app_context():
        address = db.session.get(User, users["member"]).email
    assert client.post("/inloggen", data={"email": address}).status_code == 303


def test_a_sent_login_link_is_removed_from_the_stored_bodies(app, client, users,
                                                             smtp_server):  # noqa: F811
    request_link(app, client, users)  # sent by the request at once
    with app.app_context():
        assert deliver_pending().sent == 0
    [received] = smtp_server.received
    link = LINK.search(received.get_body(("plain",)).get_content()).group(0)
    stored = login_link_row(app)
    assert stored.status == OutboxStatus.SENT
    for body in (stored.body_text, stored.body_html):
        assert "/inloggen/link/" not in body
        assert REDACTED in body
    token = link.rsplit("/", 1)[1]
    assert client.post(f"/inloggen/link/{token}").status_code == 303  # the mail's link works


def test_a_login_link_that_failed_for_good_is_removed_too(app, client, users,
                                                          smtp_server):  # noqa: F811
    smtp_server.answers = ["550 5.1.1 Onbekende ontvanger"]
    request_link(app, client, users)  # the request's own delivery gets the 550
    stored = login_link_row(app)
    assert stored.status == OutboxStatus.FAILED
    assert "/inloggen/link/" not in stored.body_text + stored.body_html


def test_a_retried_login_link_keeps_its_link_until_it_is_sent(app, client, users,
                                                              smtp_server):  # noqa: F811
    smtp_server.answers = ["451 4.3.0 Later"]
    request_link(app, client, users)  # the request's own delivery gets the 451
    stored = login_link_row(app)
    assert stored.status == OutboxStatus.PENDING and stored.attempts == 1
    assert LINK.search(stored.body_text)
