"""Issue 13 part 8: mail that mail servers trust. Every automated message has
Auto-Submitted and a Message-ID on the configured domain; every message sent to many
members has RFC 8058 List-Unsubscribe and List-Unsubscribe-Post. Checked on real
messages, produced by the app and delivered to an aiosmtpd server."""

import re
from collections import defaultdict

from sqlalchemy import select

from consult.accounts.models import User
from consult.comments.models import Comment
from consult.extensions import db
from consult.mail.opt_out import opted_out
from consult.mail.services import queue_message
from consult.meetings.models import Meeting
from consult.reminders import preferences
from consult.reminders.models import PreferenceMode
from consult.scheduler import run_tick
from tests.test_mail_smtp import app_config, smtp_server  # noqa: F401  (fixtures)
from tests.test_reminders_services import at, build
from tests.test_statements import hold_meeting

MESSAGE_ID = re.compile(r"<consult\.\d+\.[0-9a-f]{16}@consult\.example\.org>")
UNSUBSCRIBE = re.compile(r"<(http://localhost/afmelden/[\w.-]+)>")
OPT_OUT = re.compile(r"<(http://localhost/afmelden/bericht/[\w.-]+)>")


def assert_automated(message) -> None:
    assert message["Auto-Submitted"] == "auto-generated", message["Subject"]
    assert MESSAGE_ID.fullmatch(message["Message-ID"]), message["Message-ID"]


def kind_of(message) -> str:
    subject = message["Subject"]
    if subject.startswith("Geef uw inbreng"):
        return "agenda open"
    if subject.startswith("Uw herinneringen van"):
        return "digest"
    return "reminder"


def test_bulk_mail_has_one_click_unsubscribe_and_every_message_is_automated(
        app, client, smtp_server):  # noqa: F811
    ids = build(app)
    with app.test_request_context():
        preferences.set_preference(ids.anna, ids.body, PreferenceMode.DIGEST)
        db.session.commit()
        run_tick(at("2030-03-01T09:01"))  # agenda open, at publication
        run_tick(at("2030-03-06T16:01"))  # five days before the deadline
        run_tick(at("2030-03-07T06:01"))  # the daily digest (07.00 in Amsterdam)
        anna = db.session.get(User, ids.anna).email
    received = defaultdict(list)
    for message in smtp_server.received:
        received[kind_of(message)].append(message)
    assert set(received) == {"agenda open", "reminder", "digest"}
    assert len({m["Message-ID"] for m in smtp_server.received}) == len(smtp_server.received)
    for message in smtp_server.received:
        assert_automated(message)
        assert UNSUBSCRIBE.fullmatch(message["List-Unsubscribe"].strip()), message["Subject"]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The digest's one-click link stops the digest, as a mail client would POST it.
    *_, digest = received["digest"]
    assert digest["To"] == anna
    url = UNSUBSCRIBE.fullmatch(digest["List-Unsubscribe"].strip()).group(1)
    response = client.post(url.removeprefix("http://localhost"),
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "geen dagelijks overzicht" in response.get_data(as_text=True)
    with app.app_context():
        pref = preferences.preference(ids.anna, ids.body)
        assert preferences.effective_mode(pref) == PreferenceMode.OFF


def test_every_other_kind_is_automated_too(app, client, users, smtp_server):  # noqa: F811
    with app.test_request_context():
        address = db.session.get(User, users["member"]).email
    client.post("/inloggen", data={"email": address})  # a real login link, sent at once
    assert len(smtp_server.received) == 1
    with app.test_request_context():
        for kind in ("feedback", "invite", "nudge", "new_input", "secretariat"):
            queue_message(kind=kind, recipient=f"{kind}@example.org", subject=kind,
                          template="login_link",
                          context={"user": type("U", (), {"name": "A"}), "link": "x",
                                   "minutes": 1})
        db.session.commit()
        assert run_tick()["sent"] == 5
        assert db.session.scalar(select(db.func.count()).select_from(User)) > 0
    assert len(smtp_server.received) == 6
    for message in smtp_server.received:
        assert_automated(message)


def test_the_message_id_domain_can_be_configured(app, smtp_server):  # noqa: F811
    app.config["MAIL_MESSAGE_ID_DOMAIN"] = "mail.vng.example"
    with app.test_request_context():
        message = queue_message(kind="invite", recipient="a@example.org", subject="x",
                                template="login_link",
                                context={"user": type("U", (), {"name": "A"}), "link": "x",
                                         "minutes": 1})
        db.session.commit()
        run_tick()
    [received] = smtp_server.received
    assert received["Message-ID"].startswith(f"<consult.{message.id}.")
    assert received["Message-ID"].endswith("@mail.vng.example>")


def test_terugkoppeling_has_one_click_unsubscribe_that_stops_it(
        app, client, auth, world, users, smtp_server):  # noqa: F811
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        item = meeting.items[0]
        db.session.add(Comment(item_id=item.id, author_id=users["member"], text="Mijn inbreng"))
        db.session.commit()
        member = db.session.get(User, users["member"]).email
    hold_meeting(app, world["meeting"])
    auth.login("delegate")
    assert client.post(f"/vergaderingen/{world['meeting']}/uitkomsten/publiceren"
                       ).status_code == 303
    with app.test_request_context():
        run_tick()
    [feedback] = [m for m in smtp_server.received if m["To"] == member]
    assert feedback["Subject"].startswith("Wat er met uw inbreng is gedaan")
    assert_automated(feedback)
    assert feedback["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = OPT_OUT.fullmatch(feedback["List-Unsubscribe"].strip()).group(1)
    assert url in feedback.get_body(("plain",)).get_content()

    path = url.removeprefix("http://localhost")
    assert "Wilt u geen" in client.get(path).get_data(as_text=True)  # GET changes nothing
    with app.app_context():
        assert not opted_out(users["member"], "feedback")
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "geen terugkoppeling op uw inbreng meer" in response.get_data(as_text=True)
    assert client.post(path).status_code == 200  # a second click changes nothing
    with app.test_request_context():
        assert opted_out(users["member"], "feedback")
        assert queue_message(kind="feedback", recipient=member, user_id=users["member"],
                             subject="x", template="login_link",
                             context={"user": type("U", (), {"name": "A"}), "link": "x",
                                      "minutes": 1}) is None
    assert client.get("/afmelden/bericht/vervalst").status_code == 404
