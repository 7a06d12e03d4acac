"""Replies by mail become input in the tick: the token names member and meeting, the
sender must be that member, automatic mail and bounces never post, labelled parts go to
their items, and every reply ends processed, held or ignored with one confirmation."""

import json
import threading
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.accounts.models import User
from consult.comments.mail_replies import process_replies
from consult.comments.models import Comment, NoInput
from consult.comments.participation import nudge
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound import bounce_counts, store_raw
from consult.mail.inbound_models import InboundMessage, InboundStatus, ReplyToken
from consult.mail.models import OutboxMessage
from consult.mail.tokens import reply_address, revoke
from consult.meetings.models import Meeting
from consult.reminders.planning import plan_reminders
from consult.scheduler import run_tick
from tests.factories import make_body, make_meeting, make_user

DOMAIN = "antwoord.consult.example.nl"
CORPUS = Path(__file__).parent / "fixtures" / "replies"


@pytest.fixture
def app_config():
    return {"REPLY_DOMAIN": DOMAIN, "REPLY_LIMIT_PER_HOUR": 3}


@pytest.fixture
def setup(app):
    """A meeting with items 3A, 4 and 5 (5 asks no input); Jan is in the constituency."""
    with app.test_request_context():
        delegate = make_user("delegate", name="Mirjam Kok")
        member = make_user(name="Jan Jansen", email="j.jansen@zwolle.nl")
        meeting = make_meeting(make_body(delegates=[delegate]), items=3)
        first, second, third = meeting.items
        first.number, first.sub, second.number, third.number = "3", "A", "4", "5"
        third.asks_input = False
        address = reply_address(meeting.id, member.id)
        db.session.commit()
        return {"member": member.id, "meeting": meeting.id, "address": address,
                "items": {item.label: item.id for item in meeting.items}}


def reply(setup, body: str, *, sender="j.jansen@zwolle.nl", to=None, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jan Jansen <{sender}>"
    message["To"] = to or setup["address"]
    message["Subject"] = "Re: Herinnering"
    message["Message-ID"] = f"<{hash((body, sender, to, tuple(headers.items())))}@zwolle.nl>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def receive(app, raw: bytes, now=None) -> InboundMessage:
    with app.test_request_context():
        store_raw(raw, source="smtp")
        process_replies(now)
        db.session.expire_all()
        row = db.session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
        db.session.expunge(row)
        return row


def comments(app) -> dict[str, str]:
    with app.app_context():
        return {c.item.label: c.text for c in db.session.scalars(select(Comment))}


def confirmations(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "reply_confirmation")).all()
        db.session.expunge_all()
        return rows


def test_a_real_outlook_reply_lands_on_its_items_without_the_quote(app, setup):
    token = setup["address"].split("@")[0]
    raw = (CORPUS / "outlook_desktop_nl.eml").read_bytes().replace(b"k7Qm2xVb9TzR", token.encode())
    expected = json.loads((CORPUS / "outlook_desktop_nl.json").read_text())
    row = receive(app, raw)
    assert row.status == InboundStatus.PROCESSED, row.reason
    assert comments(app) == dict(expected["inputs"])
    [confirmation] = confirmations(app)
    assert confirmation.recipient == "j.jansen@zwolle.nl"
    assert "3A. Agendapunt 1: opgeslagen als inbreng" in confirmation.body_text
    assert "/inbreng/" in confirmation.body_text and "/bewerken" in confirmation.body_text
    assert json.loads(confirmation.headers)["Auto-Submitted"] == "auto-replied"
    # processed once: another tick changes nothing
    with app.test_request_context():
        assert process_replies() == {}
    assert len(confirmations(app)) == 1


def test_no_label_and_one_item_asking_goes_to_that_item(app, setup):
    with app.app_context():
        item = db.session.get(Meeting, setup["meeting"]).items[0]
        item.asks_input = False
        db.session.commit()
    row = receive(app, reply(setup, "Wij steunen dit voorstel."))
    assert row.status == InboundStatus.PROCESSED
    assert comments(app) == {"4": "Wij steunen dit voorstel."}


def test_no_label_and_several_items_is_held_for_the_delegate(app, setup):
    row = receive(app, reply(setup, "Wij steunen dit voorstel."))
    assert (row.status, row.reason) == (InboundStatus.HELD, "Niet duidelijk voor welk agendapunt")
    assert row.meeting_id == setup["meeting"] and row.user_id == setup["member"]
    assert comments(app) == {}
    [confirmation] = confirmations(app)
    assert "Niet duidelijk voor welk agendapunt" in confirmation.body_text


def test_an_item_that_asks_no_input_holds_the_whole_reply(app, setup):
    row = receive(app, reply(setup, "4: Eens.\n5: Ook eens."))
    assert (row.status, row.reason) == (InboundStatus.HELD, "Agendapunt 5 vraagt geen inbreng")
    assert comments(app) == {}


def test_geen_inbreng_for_the_meeting_and_for_an_item(app, setup):
    assert receive(app, reply(setup, "Geen inbreng.")).status == InboundStatus.PROCESSED
    with app.app_context():
        assert [(n.item_id) for n in db.session.scalars(select(NoInput))] == [None]
    assert receive(app, reply(setup, "3A: geen inbreng\n4: Eens.")).status == \
        InboundStatus.PROCESSED
    with app.app_context():
        assert {n.item_id for n in db.session.scalars(select(NoInput))} == {
            None, setup["items"]["3A"]}
    assert comments(app) == {"4": "Eens."}


def test_after_the_deadline_input_is_late(app, setup):
    later = utcnow() + timedelta(days=7)
    row = receive(app, reply(setup, "4: Toch nog iets."), now=later)
    assert row.status == InboundStatus.PROCESSED
    with app.app_context():
        [comment] = db.session.scalars(select(Comment)).all()
        assert comment.late and comment.text == "Toch nog iets."
    assert "late inbreng" in confirmations(app)[0].body_text


def test_a_forged_sender_posts_nothing_and_gets_no_confirmation(app, setup):
    row = receive(app, reply(setup, "4: Namens Jan.", sender="iemand@elders.example"))
    assert row.status == InboundStatus.HELD
    assert row.reason == "Afzender iemand@elders.example is niet het adres van Jan Jansen"
    assert comments(app) == {} and confirmations(app) == []


def test_a_failed_authentication_is_held(app, setup):
    raw = reply(setup, "4: Eens.", Authentication_Results="mx.zwolle.nl; spf=fail; dkim=none")
    row = receive(app, raw)
    assert row.status == InboundStatus.HELD and row.reason.startswith("Echtheid afzender")
    assert comments(app) == {}


@pytest.mark.parametrize("name", ["out_of_office_nl", "out_of_office_en", "afwezig_subject_only"])
def test_auto_replies_are_ignored(app, setup, name):
    raw = (CORPUS / f"{name}.eml").read_bytes()
    with app.test_request_context():
        store_raw(raw, source="smtp", envelope_to=[setup["address"]])
        process_replies()
        row = db.session.scalar(select(InboundMessage))
        assert row.status == InboundStatus.IGNORED and row.reason.startswith("Automatisch")
    assert comments(app) == {} and confirmations(app) == []


def test_a_bounce_is_ignored_and_counted_against_the_address(app, setup):
    raw = (CORPUS / "bounce_dsn.eml").read_bytes()
    expected = json.loads((CORPUS / "bounce_dsn.json").read_text())
    row = receive(app, raw)
    assert row.status == InboundStatus.IGNORED and row.reason.startswith("Onbestelbaar")
    address = expected["bounce"]["recipient"].lower()
    with app.app_context():
        assert bounce_counts() == {address: 1}
    assert confirmations(app) == []


def test_an_unknown_or_revoked_address_is_held(app, setup):
    row = receive(app, reply(setup, "4: Eens.", to=f"onzin@{DOMAIN}"))
    assert (row.status, row.reason) == (InboundStatus.HELD, "Onbekend of ingetrokken antwoordadres")
    with app.app_context():
        revoke(db.session.scalar(select(ReplyToken)))
        db.session.commit()
        assert reply_address(setup["meeting"], setup["member"]) != setup["address"]
    row = receive(app, reply(setup, "4: Nog eens."))
    assert row.status == InboundStatus.HELD and comments(app) == {}


def test_more_than_the_limit_per_hour_is_held(app, setup):
    statuses = [receive(app, reply(setup, f"4: Versie {n}.")).status for n in range(5)]
    assert statuses == [InboundStatus.PROCESSED] * 3 + [InboundStatus.HELD] * 2


def test_a_forwarded_mail_is_held(app, setup):
    row = receive(app, reply(setup, "---------- Forwarded message ---------\nFrom: x\n\n4: Eens."))
    assert row.status == InboundStatus.HELD and comments(app) == {}


def test_a_processing_error_holds_the_reply_with_the_error(app, setup):
    row = receive(app, reply(setup, "4: " + "x" * 6000))  # over the maximum: a rule says no
    assert row.status == InboundStatus.HELD and "maximum" in row.reason


def test_the_tick_processes_and_confirms_in_one_go(app, setup):
    with app.test_request_context():
        store_raw(reply(setup, "4: Eens."), source="lmtp")
        result = run_tick()
        assert result["replies_processed"] == 1
        assert result["sent"] == 1  # the confirmation goes out in the same tick
        assert run_tick()["sent"] == 0


def test_reminders_and_nudges_carry_the_reply_address_and_say_how(app, setup):
    with app.test_request_context():
        meeting = db.session.get(Meeting, setup["meeting"])
        member = db.session.get(User, setup["member"])
        meeting.published_at = utcnow() - timedelta(minutes=1)
        plan_reminders(meeting, meeting.published_at)  # "agenda open" is due now
        nudge(db.session.scalar(select(User).where(User.name == "Mirjam Kok")), meeting, member)
        db.session.commit()
        run_tick()
        messages = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == member.email)).all()
        kinds = {m.kind: m for m in messages}
        assert {"nudge", "reminder"} <= set(kinds)
        for message in (kinds["nudge"], kinds["reminder"]):
            assert json.loads(message.headers)["Reply-To"] == setup["address"]
            assert "geen inbreng" in message.body_text and "3A: ..." in message.body_text


def test_two_ticks_at_once_store_a_reply_once(app, setup):
    """Each claims with a conditional update: one wins, the other finds nothing."""
    with app.app_context():
        for number in range(4):
            store_raw(reply(setup, f"4: Inbreng {number}."), source="lmtp")
    start = threading.Barrier(2)
    results = []

    def tick():
        with app.app_context():  # as the scheduler: no request
            start.wait()
            results.append(process_replies())
            db.session.remove()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result.get("replies_processed", 0) for result in results) == 3
    assert sum(result.get("replies_held", 0) for result in results) == 1  # the limit: 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 3
    assert len(confirmations(app)) == 3  # none for the one over the limit


@pytest.mark.parametrize("app_config", [{}])
def test_without_a_reply_domain_mails_carry_no_reply_to(app, app_config):
    with app.test_request_context():
        member = make_user()
        meeting = make_meeting(make_body(delegates=[make_user("delegate")]))
        assert reply_address(meeting.id, member.id) is None
        assert nudge(meeting.body.delegates[0], meeting, member)
        db.session.flush()
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "nudge"))
        assert "Reply-To" not in (message.headers or "")
        assert "antwoorden op deze e-mail" not in message.body_text
        # The token still signs the member's personal link into the meeting.
        token = db.session.scalar(select(ReplyToken))
        assert f"/toegang/{token.id}/{token.link_token}" in message.body_text


def test_the_admin_sees_bounces_next_to_the_address(app, client, auth, users, setup):
    raw = (CORPUS / "bounce_dsn.eml").read_bytes()
    address = json.loads((CORPUS / "bounce_dsn.json").read_text())["bounce"]["recipient"]
    with app.app_context():
        make_user(name="Onbereikbaar Lid", email=address)
        db.session.commit()
    receive(app, raw)
    auth.login("admin")
    page = client.get("/beheer/leden?q=Onbereikbaar").get_data(as_text=True)
    assert "1× onbestelbaar" in page
