"""Not a word lost (issue 13 part 7): the deadline passing while typing on the meeting
page, a pasted text far over the limit, and late input the delegate must not miss."""

from datetime import timedelta

from sqlalchemy import select

from consult.comments import services
from consult.comments.models import Comment, CommentKind
from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.meetings.models import AgendaItem
from consult.reminders.digests import send_digests
from consult.reminders.models import DigestEntry

TEXT = "Wij maken ons zorgen over de planning;\nde regio's zijn er niet klaar voor."


def close_deadline(app, item_id):
    with app.app_context():
        db.session.get(AgendaItem, item_id).meeting.input_deadline = (
            utcnow() - timedelta(minutes=1))
        db.session.commit()


def form_data(item_id, text=TEXT, context="meeting"):
    return {f"i{item_id}-kind": "zorg", f"i{item_id}-text": text,
            f"i{item_id}-on_behalf": "self", f"i{item_id}-context": context}


def test_deadline_passed_on_the_meeting_page_keeps_the_text_in_a_late_form(app, client, auth,
                                                                            world):
    """With htmx: the item's block on the meeting page, with the late form and the text."""
    item = world["item"]
    auth.login("member")
    close_deadline(app, item)
    response = client.post(f"/agendapunten/{item}/inbreng", data=form_data(item),
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert html.lstrip().startswith(f'<div class="item-response" id="respons-{item}">')
    assert "Uw tekst staat hieronder" in html
    assert f'hx-post="/agendapunten/{item}/late-inbreng"' in html
    assert f'hx-target="#respons-{item}"' in html
    assert "Wij maken ons zorgen over de planning;\nde regio&#39;s zijn er niet klaar voor." in html
    assert f'name="i{item}-kind" value="zorg"' in html

    sent = client.post(f"/agendapunten/{item}/late-inbreng", data=form_data(item),
                       headers={"HX-Request": "true"})
    assert sent.status_code == 200
    assert f'id="respons-{item}"' in sent.get_data(as_text=True)
    assert "Opgeslagen" in sent.get_data(as_text=True)
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.text == TEXT))
        assert comment.late and comment.kind == CommentKind.CONCERN


def test_deadline_passed_on_the_meeting_page_without_javascript(app, client, auth, world):
    item = world["item"]
    auth.login("member")
    close_deadline(app, item)
    response = client.post(f"/agendapunten/{item}/inbreng", data=form_data(item))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'action="/agendapunten/{item}/late-inbreng"' in html
    assert "de regio&#39;s zijn er niet klaar voor.</textarea>" in html
    sent = client.post(f"/agendapunten/{item}/late-inbreng", data=form_data(item))
    # Back to the meeting page the form was on.
    assert sent.status_code == 303
    assert sent.headers["Location"].startswith(f"/vergaderingen/{world['meeting']}?opgeslagen=")


def test_a_pasted_text_over_the_limit_is_refused_whole_never_cut(app, client, auth, world):
    item = world["item"]
    auth.login("member")
    page = client.get(f"/agendapunten/{item}").get_data(as_text=True)
    assert " maxlength=" not in page  # the browser would cut a pasted text without a word
    assert 'data-maxlength="5000"' in page
    pasted = ("Een lange tekst uit een rapport. " * 3200)[:100_000]
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(f"/agendapunten/{item}/inbreng",
                               data=form_data(item, pasted, "item"), headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Uw tekst is 99.999 tekens; het maximum is 5.000. Maak hem 94.999 tekens korter" \
            in html  # (stripped: the last space goes)
        assert pasted.strip() + "</textarea>" in html
    with app.app_context():
        assert db.session.scalar(select(Comment).where(Comment.text.startswith("Een lange"))) \
            is None


def test_late_input_is_on_the_desk_and_in_the_delegates_daily_digest(app, client, auth, world,
                                                                     users):
    item = world["item"]
    close_deadline(app, item)
    with app.test_request_context():
        from consult.accounts.models import User

        member = db.session.get(User, users["member"])
        comment = services.send_late_input(member, db.session.get(AgendaItem, item),
                                           kind=CommentKind.INPUT, text=TEXT)
        db.session.commit()
        [entry] = db.session.scalars(select(DigestEntry)).all()
        assert entry.user_id == users["delegate"] and entry.comment_id == comment.id
        assert entry.subject.startswith("Late inbreng op punt 1.")
    auth.login("delegate")
    desk = client.get("/").get_data(as_text=True)
    assert (f'<li class="desk__action--urgent"><a href="/vergaderingen/{world["meeting"]}'
            '/werkruimte">1 te laat ingediend (1 nieuw)</a>') in desk
    client.get(f"/vergaderingen/{world['meeting']}/werkruimte")  # seen
    assert "1 te laat ingediend</a>" in client.get("/").get_data(as_text=True)
    with app.test_request_context():
        send_digests((utcnow() + timedelta(days=1)).replace(hour=12))  # 13.00 in Amsterdam
        [digest] = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "reminder_digest")).all()
        assert digest.user_id == users["delegate"]
        assert "stuurde na de deadline nog inbreng op punt 1." in digest.body_text
        assert "de regio's zijn er niet klaar voor." in digest.body_text
        assert f"/agendapunten/{item}/werkruimte" in digest.body_text


def test_the_deadline_error_is_shown_once_on_the_item_page(app, client, auth, world):
    item = world["item"]
    auth.login("member")
    close_deadline(app, item)
    html = client.post(f"/agendapunten/{item}/inbreng", data=form_data(item)).get_data(
        as_text=True)
    assert html.count("De deadline voor inbreng is verstreken.") == 1
