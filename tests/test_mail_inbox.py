"""The delegate's inbox: held replies of her body's meetings with sender, reason, new
text and attachment names; "Toewijzen" makes input "namens" the member, "Negeren" ends
it; members, chairs and other bodies' delegates get 403."""

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from consult.comments.mail_replies import process_replies
from consult.comments.models import Comment
from consult.extensions import db
from consult.mail.inbound import store_raw
from consult.mail.inbound_models import InboundMessage, InboundStatus
from consult.mail.tokens import reply_address

DOMAIN = "antwoord.example.org"


@pytest.fixture
def app_config():
    return {"REPLY_DOMAIN": DOMAIN}


def held(app, to: str, body="Dit is mijn inbreng over het voorstel.", sender="vreemde@elders.example",
         message_id="<vreemd@elders.example>") -> int:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, "Re: Herinnering"
    mail["Message-ID"] = message_id
    mail.set_content(body)
    mail.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf",
                        filename="standpunt.pdf")
    with app.test_request_context():
        store_raw(mail.as_bytes(), source="lmtp")
        process_replies()
        return db.session.scalar(select(InboundMessage.id).where(
            InboundMessage.dedup_key == message_id))


@pytest.fixture
def message(app, world, users):
    with app.test_request_context():
        address = reply_address(world["meeting"], users["member"])
        db.session.commit()
    return held(app, address)


@pytest.mark.parametrize(("role", "status"), [
    ("member", 403), ("chair", 403), ("other_delegate", 403), ("delegate", 200), ("admin", 200)])
def test_who_sees_a_held_reply(app, client, auth, world, message, role, status):
    auth.login(role)
    assert client.get(f"/inbox/{message}").status_code == status
    assert client.post(f"/inbox/{message}/negeren").status_code == (303 if status == 200 else status)


def test_the_inbox_lists_sender_reason_text_and_attachments(client, auth, world, message):
    auth.login("delegate")
    page = client.get("/inbox").get_data(as_text=True)
    assert "vreemde@elders.example" in page
    assert "Afzender vreemde@elders.example is niet het adres van Anouk Smit" in page
    assert "Dit is mijn inbreng over het voorstel." in page
    assert "standpunt.pdf" in page
    auth.login("other_delegate")
    assert "vreemde@elders.example" not in client.get("/inbox").get_data(as_text=True)


def test_assign_creates_input_on_behalf_and_ends_it(app, client, auth, world, users, message):
    auth.login("delegate")
    response = client.post(f"/inbox/{message}/toewijzen", data={
        "author_id": users["member"], "item_id": world["item"], "text": "Mijn inbreng."})
    assert response.status_code == 303
    with app.app_context():
        [comment] = db.session.scalars(select(Comment)).all()
        assert (comment.author_id, comment.entered_by_id, comment.item_id, comment.text) == (
            users["member"], users["delegate"], world["item"], "Mijn inbreng.")
        assert comment.received_via == "per e-mail (antwoord)"
        row = db.session.get(InboundMessage, message)
        assert row.status == InboundStatus.PROCESSED and row.handled_by_id == users["delegate"]
    again = client.post(f"/inbox/{message}/toewijzen", data={
        "author_id": users["member"], "item_id": world["item"], "text": "Nog eens."})
    assert again.status_code == 409
    assert "vreemde@elders.example" not in client.get("/inbox").get_data(as_text=True)


def test_an_item_of_another_meeting_is_refused(app, client, auth, world, users, message):
    auth.login("delegate")
    response = client.post(f"/inbox/{message}/toewijzen", data={
        "author_id": users["member"], "item_id": world["draft_item"], "text": "Tekst."})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalars(select(Comment)).all() == []


def test_ignore_records_who(app, client, auth, world, users, message):
    auth.login("delegate")
    assert client.post(f"/inbox/{message}/negeren").status_code == 303
    with app.app_context():
        row = db.session.get(InboundMessage, message)
        assert row.status == InboundStatus.IGNORED and row.reason.startswith("Genegeerd door")


def test_a_reply_to_no_known_address_is_for_admins_only(app, client, auth, world):
    message = held(app, f"onbekend@{DOMAIN}", message_id="<los@elders.example>")
    auth.login("delegate")
    assert client.get(f"/inbox/{message}").status_code == 403
    auth.login("admin")
    assert client.get(f"/inbox/{message}").status_code == 200
    assert client.post(f"/inbox/{message}/toewijzen", data={}).status_code == 422
