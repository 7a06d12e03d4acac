"""Not a word lost when the session or the form expires (issue 13 part 7, issue 15
finding 2): one "log in first" answer (HX-Redirect for htmx), `next` always a page, and
a POST's text kept and shown again in the item's real input form."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from consult.accounts.kept_forms import KeptForm
from consult.accounts.models import User
from consult.accounts.services import set_password
from consult.comments.models import Comment
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import AgendaItem

TEXT = "Wij steunen dit voorstel,\nmaar vragen om een gefaseerde invoering. <b>Echt</b>."


def next_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["next"][0]


def input_data(item_id, text=TEXT):
    return {f"i{item_id}-kind": "zorg", f"i{item_id}-text": text,
            f"i{item_id}-on_behalf": "self", f"i{item_id}-context": "meeting"}


def test_a_page_sends_you_to_log_in_with_itself_as_next(client, world):
    response = client.get(f"/vergaderingen/{world['meeting']}?x=1")
    assert response.status_code == 302
    assert next_of(response.headers["Location"]) == f"/vergaderingen/{world['meeting']}?x=1"


def test_htmx_gets_an_hx_redirect_not_a_redirect_it_would_follow(client, world):
    response = client.get("/archief?q=ai", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert next_of(response.headers["HX-Redirect"]) == "/archief?q=ai"


@pytest.mark.parametrize("htmx", [False, True])
def test_an_expired_session_keeps_the_posted_input_and_next_is_its_page(app, client, world,
                                                                         users, auth, htmx):
    item = world["item"]
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(f"/agendapunten/{item}/inbreng", data=input_data(item),
                           headers=headers)
    location = response.headers["HX-Redirect" if htmx else "Location"]
    assert response.status_code == (401 if htmx else 302)
    kept_page = next_of(location)
    assert kept_page.startswith("/bewaard/")  # a page (GET), never the POST-only route
    assert client.get(kept_page).status_code == 302  # still logged out: log in first
    auth.login("member")
    page = client.get(kept_page)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # The item's real input form, the text in its textarea, the kind kept.
    assert f'action="/agendapunten/{item}/inbreng"' in html
    assert ("Wij steunen dit voorstel,\nmaar vragen om een gefaseerde invoering. "
            "&lt;b&gt;Echt&lt;/b&gt;.</textarea>") in html
    assert '<option selected value="zorg">' in html
    assert "Uw tekst is bewaard" in html
    resent = client.post(f"/agendapunten/{item}/inbreng", data=input_data(item))
    assert resent.status_code == 303
    with app.app_context():
        [comment] = db.session.scalars(select(Comment).where(
            Comment.item_id == item, Comment.author_id == users["member"],
            Comment.text.startswith("Wij steunen"))).all()
        assert comment.text == TEXT


def test_after_a_password_login_next_is_the_kept_page(app, client, world, users):
    item = world["item"]
    with app.app_context():
        member = db.session.get(User, users["member"])
        set_password(member, "een lang wachtwoord")
        email = member.email
        db.session.commit()
    kept_page = next_of(client.post(f"/agendapunten/{item}/inbreng",
                                    data=input_data(item)).headers["Location"])
    response = client.post("/inloggen/wachtwoord", data={
        "pw-email": email, "pw-password": "een lang wachtwoord", "pw-next": kept_page})
    assert response.status_code == 303 and response.headers["Location"] == kept_page
    assert "gefaseerde invoering" in client.get(kept_page).get_data(as_text=True)


def test_past_the_deadline_the_kept_text_comes_back_in_the_late_form(app, client, world, auth):
    item = world["item"]
    kept_page = next_of(client.post(f"/agendapunten/{item}/inbreng",
                                    data=input_data(item)).headers["Location"])
    with app.app_context():
        db.session.get(AgendaItem, item).meeting.input_deadline = utcnow() - timedelta(minutes=1)
        db.session.commit()
    auth.login("member")
    html = client.get(kept_page).get_data(as_text=True)
    assert f'action="/agendapunten/{item}/late-inbreng"' in html
    assert "gefaseerde invoering" in html


def test_a_kept_form_is_only_for_the_one_who_claimed_it(app, client, world, users, auth):
    item = world["item"]
    kept_page = next_of(client.post(f"/agendapunten/{item}/inbreng",
                                    data=input_data(item)).headers["Location"])
    auth.login("member")
    assert client.get(kept_page).status_code == 200
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(app, other, users).login("chair")
    answer = other.get(kept_page)
    assert answer.status_code == 404 and "gefaseerde" not in answer.get_data(as_text=True)


def test_a_post_with_nothing_typed_returns_to_the_page_it_came_from(client, world):
    meeting = world["meeting"]
    response = client.post("/uitloggen", headers={
        "Referer": f"http://localhost/vergaderingen/{meeting}"})
    assert next_of(response.headers["Location"]) == f"/vergaderingen/{meeting}"
    # A Referer that is no page (a POST-only route, another site): the dashboard.
    for referer in (f"http://localhost/vergaderingen/{meeting}/geen-inbreng",
                    "https://elders.example/vergaderingen/1"):
        response = client.post("/uitloggen", headers={"Referer": referer})
        assert next_of(response.headers["Location"]) == "/"


def test_old_kept_forms_are_purged(app, client, world):
    item = world["item"]
    client.post(f"/agendapunten/{item}/inbreng", data=input_data(item))
    with app.app_context():
        for kept in db.session.scalars(select(KeptForm)):
            kept.created_at = utcnow() - timedelta(hours=app.config["KEPT_FORM_HOURS"] + 1)
        db.session.commit()
    kept_page = next_of(client.post(f"/agendapunten/{item}/inbreng",
                                    data=input_data(item, "Nieuw")).headers["Location"])
    with app.app_context():
        assert db.session.scalar(select(db.func.count(KeptForm.id))) == 1
    assert kept_page.startswith("/bewaard/")


def test_an_expired_edit_comes_back_in_the_edit_form(client, route_world, auth):
    comment, item = route_world["comment"], route_world["item"]
    response = client.post(f"/inbreng/{comment}/bewerken", data=input_data(item, "Gewijzigd"))
    kept_page = next_of(response.headers["Location"])
    auth.login("member")
    html = client.get(kept_page).get_data(as_text=True)
    assert "Inbreng wijzigen" in html and "Gewijzigd</textarea>" in html


def test_a_form_without_a_page_of_its_own_is_shown_with_labels_and_sent_again(client, world,
                                                                               auth):
    """No raw field names: a field we can name gets its label, the rest stays hidden."""
    meeting = world["meeting"]
    response = client.post(f"/vergaderingen/{meeting}/geen-inbreng", data={"context": "meeting"})
    kept_page = next_of(response.headers["Location"])
    auth.login("member")
    html = client.get(kept_page).get_data(as_text=True)
    assert f'<form method="post" action="/vergaderingen/{meeting}/geen-inbreng"' in html
    assert '<input type="hidden" name="context" value="meeting">' in html
    assert "Opnieuw versturen" in html
    assert client.post(f"/vergaderingen/{meeting}/geen-inbreng",
                       data={"context": "meeting"}).status_code == 303


def test_a_form_kept_for_a_route_that_needs_a_login_is_shown_only_after_logging_in(client,
                                                                                    world):
    response = client.post(f"/vergaderingen/{world['meeting']}/geen-inbreng",
                           data={"context": "meeting", "note": "privé"})
    kept_page = next_of(response.headers["Location"])
    answer = client.get(kept_page)
    assert answer.status_code == 302 and next_of(answer.headers["Location"]) == kept_page
