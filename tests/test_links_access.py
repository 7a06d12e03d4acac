"""The personal link in a mail that asks for input: it opens that meeting with the member
recognised for it only. Giving input takes the link and one send; every other page (another
meeting, the dashboard, the account, admin pages) still asks for a login; an expired or
revoked link gives a Dutch page that offers a login link."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.accounts.models import User
from consult.comments.models import Comment, NoInput
from consult.comments.participation import nudge
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import ReplyToken
from consult.mail.models import OutboxMessage
from consult.mail.tokens import link_of, links_of, revoke
from consult.meetings.models import Meeting
from tests.factories import make_body, make_meeting, make_user

LINK = re.compile(r"http://localhost(/toegang/\d+/[a-z2-7]{26})")


@pytest.fixture
def linked(app):
    """Jan got a nudge for one meeting; another meeting of the same body is open too."""
    with app.test_request_context():
        delegate = make_user("delegate", name="Mirjam Kok")
        member = make_user(name="Jan Jansen", email="j.jansen@zwolle.nl")
        body = make_body(delegates=[delegate])
        meeting = make_meeting(body)
        other = make_meeting(body, starts_in_days=20, deadline_in_days=15)
        assert nudge(delegate, meeting, member)
        db.session.commit()
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "nudge"))
        return {"member": member.id, "delegate": delegate.id, "meeting": meeting.id,
                "item": meeting.items[0].id, "other": other.id,
                "other_item": other.items[0].id,
                "link": LINK.search(message.body_text).group(1)}


def post_input(client, item_id, text):
    return client.post(f"/agendapunten/{item_id}/inbreng", data={
        f"i{item_id}-kind": "inbreng", f"i{item_id}-text": text, f"i{item_id}-on_behalf": "self",
        f"i{item_id}-context": "meeting"})


def goes_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/inloggen")


def test_the_link_opens_the_meeting_and_input_is_one_send_away(app, client, linked):
    opened = client.get(linked["link"])
    assert opened.status_code == 303
    assert opened.headers["Location"] == f"/vergaderingen/{linked['meeting']}"
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    page = client.get(opened.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Herkend als <strong>Jan Jansen</strong> voor deze vergadering" in html
    assert "Mijn account" not in html and "Uitloggen" not in html  # no session's menu
    # "Inloggen" for the rest: the address kept, and back to this page afterwards.
    assert (f'href="/inloggen?email=j.jansen@zwolle.nl&amp;next=/vergaderingen/'
            f'{linked["meeting"]}">Inloggen</a>') in html
    assert post_input(client, linked["item"], "Graag meer aandacht voor de regio.").status_code \
        == 303
    with app.app_context():
        [comment] = db.session.scalars(select(Comment)).all()
        assert (comment.author_id, comment.item_id) == (linked["member"], linked["item"])
    assert client.post(f"/vergaderingen/{linked['meeting']}/geen-inbreng").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(NoInput.user_id)) == linked["member"]


def test_an_item_link_opens_that_item(client, linked):
    opened = client.get(f"{linked['link']}?punt={linked['item']}")
    assert opened.headers["Location"] == f"/agendapunten/{linked['item']}#inbreng"
    assert client.get(f"/agendapunten/{linked['item']}").status_code == 200
    # An item of another meeting in the query opens the link's meeting instead.
    other = client.get(f"{linked['link']}?punt={linked['other_item']}")
    assert other.headers["Location"] == f"/vergaderingen/{linked['meeting']}"


def test_the_links_of_a_fan_out_are_the_links_one_by_one(app, client, linked):
    """links_of (the reminder fan-out: signed and built once per member) gives exactly
    what link_of gives per item, and each one opens its item."""
    with app.test_request_context():
        row = db.session.scalar(select(ReplyToken).where(ReplyToken.user_id == linked["member"]))
        meeting_link, item_links = links_of(row, [linked["item"]])
        assert meeting_link == link_of(row)
        assert item_links == {linked["item"]: link_of(row, linked["item"])}
    opened = client.get(item_links[linked["item"]].removeprefix("http://localhost"))
    assert opened.headers["Location"] == f"/agendapunten/{linked['item']}#inbreng"


def test_the_link_opens_nothing_else(app, client, linked, users):
    client.get(linked["link"])
    with app.app_context():
        other_member = make_user(name="Ander Lid")
        db.session.flush()
        theirs = Comment(item_id=linked["item"], author_id=other_member.id, text="Van een ander")
        db.session.add(theirs)
        db.session.commit()
        other_member_id, their_comment = other_member.id, theirs.id
    assert goes_to_login(client.get(f"/inbreng/{their_comment}/bewerken"))  # another's input
    assert goes_to_login(client.post(f"/inbreng/{their_comment}/intrekken"))
    for path in (f"/vergaderingen/{linked['other']}", f"/agendapunten/{linked['other_item']}",
                 "/", "/account", "/archief", "/beheer/leden", f"/beheer/leden/{other_member_id}",
                 f"/vergaderingen/{linked['meeting']}/deelname",
                 f"/vergaderingen/{linked['meeting']}/werkruimte"):
        assert goes_to_login(client.get(path)), path
    assert goes_to_login(post_input(client, linked["other_item"], "Elders"))
    with app.app_context():
        assert db.session.scalars(select(Comment.text)).all() == ["Van een ander"]


def test_a_delegate_by_link_has_no_rights_beyond_a_member(app, client, linked):
    """The body's own delegate, by a link: no editing, no workspace, until she logs in."""
    with app.test_request_context():
        delegate = db.session.get(User, linked["delegate"])
        meeting = db.session.get(Meeting, linked["meeting"])
        member = make_user(name="Tweede Lid")
        assert nudge(delegate, meeting, member)
        db.session.commit()
        token = db.session.scalar(select(ReplyToken).where(ReplyToken.user_id == member.id))
        path = f"/toegang/{token.id}/{token.link_token}"
        member.role, meeting.body.delegates = member.role.DELEGATE, [delegate, member]
        db.session.commit()
    client.get(path)
    html = client.get(f"/vergaderingen/{linked['meeting']}").get_data(as_text=True)
    assert "Agendapunt toevoegen" not in html and "Werkruimte" not in html
    assert goes_to_login(client.get(f"/vergaderingen/{linked['meeting']}/bewerken"))


def test_an_expired_link_says_so_and_offers_a_login_link(app, client, linked):
    with app.app_context():
        meeting = db.session.get(Meeting, linked["meeting"])
        meeting.input_deadline = utcnow() - timedelta(days=2)
        meeting.starts_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    response = client.get(linked["link"])
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "Deze link werkt niet meer" in html and "tot de vergadering begint" in html
    assert 'value="j.jansen@zwolle.nl"' in html  # the login link form, filled in
    assert "Stuur mij een inloglink" in html


def test_a_link_already_opened_stops_when_the_meeting_begins(app, client, linked):
    client.get(linked["link"])
    assert client.get(f"/vergaderingen/{linked['meeting']}").status_code == 200
    with app.app_context():
        meeting = db.session.get(Meeting, linked["meeting"])
        meeting.starts_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert goes_to_login(client.get(f"/vergaderingen/{linked['meeting']}"))


def test_a_revoked_link_opens_nothing_at_once(app, client, linked):
    client.get(linked["link"])
    with app.app_context():
        revoke(db.session.scalar(select(ReplyToken)))
        db.session.commit()
    assert goes_to_login(client.get(f"/vergaderingen/{linked['meeting']}"))
    response = client.get(linked["link"])
    assert response.status_code == 410
    assert "onbekend of ingetrokken" in response.get_data(as_text=True)
    assert client.get("/toegang/999999/" + "a" * 26).status_code == 410
    assert client.get(linked["link"][:-1] + "b").status_code in (410,)


def test_the_member_revokes_every_link_from_the_account_page(app, client, auth, linked):
    other = app.test_client()
    other.get(linked["link"])
    assert other.get(f"/vergaderingen/{linked['meeting']}").status_code == 200
    auth.users["jan"] = linked["member"]
    auth.login("jan")
    assert "Links in eerdere e-mails intrekken" in client.get("/account").get_data(as_text=True)
    assert client.post("/account/links-intrekken").status_code == 303
    assert goes_to_login(other.get(f"/vergaderingen/{linked['meeting']}"))


def test_a_logged_in_member_is_not_turned_into_a_link(app, client, auth, linked, users):
    auth.login("member")  # someone else is logged in on this browser
    assert client.get(linked["link"]).status_code == 303
    html = client.get(f"/vergaderingen/{linked['meeting']}").get_data(as_text=True)
    assert "Ingelogd als <strong>Anouk Smit</strong>" in html

