"""Extra email addresses on the account: added, confirmed by a link sent to that address
(a GET shows a button, the POST confirms), removed; a reply from a confirmed extra address
counts as the token's member, from an unconfirmed or removed one it is held."""

import re

import pytest
from sqlalchemy import select

from consult.accounts.models import MemberAddress
from consult.comments.models import Comment
from consult.extensions import db
from consult.mail.inbound_models import InboundStatus
from consult.mail.models import OutboxMessage
from tests.test_mail_reply_processing import DOMAIN, receive, reply
from tests.test_mail_reply_processing import setup as setup  # noqa: F401, PLC0414 - fixture

EXTRA = "jan.thuis@example.org"


@pytest.fixture
def app_config():
    return {"REPLY_DOMAIN": DOMAIN, "REPLY_LIMIT_PER_HOUR": 10}


def confirm_link(app, address: str) -> str:
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "address_confirm", OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id.desc()))
        return re.search(r"http://localhost(/adres-bevestigen/\S+)", message.body_text).group(1)


def login_as(auth, user_id):
    auth.users["jan"] = user_id
    auth.login("jan")


def test_add_confirm_and_remove_an_address(app, client, auth, setup):  # noqa: F811
    login_as(auth, setup["member"])
    response = client.post("/account/adressen", data={"adres-email": EXTRA})
    assert response.status_code == 303
    page = client.get("/account").get_data(as_text=True)
    assert EXTRA in page and "wacht op bevestiging" in page
    link = confirm_link(app, EXTRA)
    stranger = app.test_client()  # the other mailbox may be read in another browser
    shown = stranger.get(link)
    assert shown.status_code == 200 and "Adres bevestigen" in shown.get_data(as_text=True)
    with app.app_context():  # opening the link (a mail scanner) confirms nothing
        assert db.session.scalar(select(MemberAddress.confirmed_at)) is None
    done = stranger.post(link)
    assert done.status_code == 200 and "hoort nu bij uw account" in done.get_data(as_text=True)
    assert stranger.post(link).status_code == 410  # once
    assert "bevestigd" in client.get("/account").get_data(as_text=True)
    with app.app_context():
        address_id = db.session.scalar(select(MemberAddress.id))
    assert client.post(f"/account/adressen/{address_id}/verwijderen").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(MemberAddress)) is None


def test_bad_or_taken_addresses_are_refused_in_dutch(app, client, auth, users, setup):  # noqa: F811
    login_as(auth, setup["member"])
    bad = client.post("/account/adressen", data={"adres-email": "geen adres"})
    assert bad.status_code == 422
    assert "geen geldig e-mailadres" in bad.get_data(as_text=True)
    assert 'value="geen adres"' in bad.get_data(as_text=True)  # the text is kept
    own = client.post("/account/adressen", data={"adres-email": "J.Jansen@zwolle.nl"})
    assert "al het e-mailadres van uw account" in own.get_data(as_text=True)
    with app.app_context():
        from consult.accounts.models import User

        other = db.session.get(User, users["member"]).email
    taken = client.post("/account/adressen", data={"adres-email": other})
    assert taken.status_code == 422 and "ander account" in taken.get_data(as_text=True)


def test_another_members_address_cannot_be_removed(app, client, auth, users, setup):  # noqa: F811
    login_as(auth, setup["member"])
    client.post("/account/adressen", data={"adres-email": EXTRA})
    with app.app_context():
        address_id = db.session.scalar(select(MemberAddress.id))
    auth.login("member")  # Anouk
    assert client.post(f"/account/adressen/{address_id}/verwijderen").status_code == 403


def test_a_reply_from_a_confirmed_extra_address_is_the_members(app, client, auth, setup):  # noqa: F811
    held = receive(app, reply(setup, "4: Vanaf mijn andere adres.", sender=EXTRA))
    assert held.status == InboundStatus.HELD and "niet het adres" in held.reason
    login_as(auth, setup["member"])
    client.post("/account/adressen", data={"adres-email": EXTRA})
    still = receive(app, reply(setup, "4: Nog steeds niet bevestigd.", sender=EXTRA))
    assert still.status == InboundStatus.HELD  # added, not yet confirmed
    client.post(confirm_link(app, EXTRA))
    row = receive(app, reply(setup, "4: Nu wel, vanaf mijn andere adres.", sender=EXTRA))
    assert row.status == InboundStatus.PROCESSED, row.reason
    with app.app_context():
        [comment] = db.session.scalars(select(Comment)).all()
        assert comment.author_id == setup["member"]
        assert comment.text == "Nu wel, vanaf mijn andere adres."
