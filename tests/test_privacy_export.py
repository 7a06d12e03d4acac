"""Mijn gegevens: a member downloads everything stored about them (JSON and a readable
page), and never anyone else's."""

import json
from datetime import timedelta

from sqlalchemy import select

from consult.accounts import services as accounts
from consult.accounts.models import MemberAddress, MemberEvent, User
from consult.comments import services as comments
from consult.comments.models import CommentKind, NoInput
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import InboundMessage, InboundStatus, ReplyToken
from consult.mail.models import MailOptOut, OutboxMessage
from consult.meetings.models import Meeting
from consult.reminders.models import PreferenceMode
from consult.reminders.preferences import set_preference
from consult.statements.models import DraftReview, DraftReviewAnswer
from consult.statements.services import save_statement, statement_for
from tests.factories import make_body, make_meeting, make_user


def build_member_data(app, *, keep_input: dict[str, bool] | None = None) -> dict[str, int]:
    """Anouk (member) with input, geen inbreng, a review answer, preferences, an opt-out,
    a session, a login link mailed to her, a reply by mail and its token, in one or more
    bodies (name: keep_former_member_input); Bram, another member, with his own input."""
    keep_input = keep_input or {"Taskforce Samen Organiseren": True}
    with app.test_request_context():
        anouk = make_user(name="Anouk Smit", email="anouk.smit@westerkwartier.example.org",
                          municipality="Westerkwartier")
        bram = make_user(name="Bram Visser", email="bram@example.org")
        delegate = make_user("delegate", name="Mirjam Kok")
        ids = {"anouk": anouk.id, "bram": bram.id, "delegate": delegate.id}
        for number, (name, keep) in enumerate(keep_input.items()):
            body = make_body(name, short_name=f"O{number}", delegates=[delegate],
                             keep_former_member_input=keep)
            meeting = make_meeting(body)
            first, second, third = meeting.items
            comments.give_input(anouk, first, kind=CommentKind.CONCERN,
                                text=f"Zorg van Anouk bij {name}")
            comments.give_input(bram, first, kind=CommentKind.INPUT, text=f"Inbreng van Bram bij {name}")
            comments.mark_no_input(anouk, meeting, second)
            revision = save_statement(statement_for(first), delegate, "Concept-standpunt", None)
            review = DraftReview(item=first, revision=revision, sent_by_id=delegate.id,
                                 answer_by=utcnow() + timedelta(days=2))
            review.answers.append(DraftReviewAnswer(user_id=anouk.id, token_digest=f"d{number}",
                                                    answer="bezwaar", note="Te stellig geformuleerd",
                                                    answered_at=utcnow()))
            db.session.add(review)
            set_preference(anouk.id, body.id, PreferenceMode.DIGEST)
            db.session.add(ReplyToken(user_id=anouk.id, meeting_id=meeting.id, nonce=f"n{number}",
                                      token_hash=f"geheime-hash-{number}"))
            ids[f"body{number}"], ids[f"meeting{number}"] = body.id, meeting.id
            ids[f"item{number}"] = first.id
        db.session.add(MailOptOut(user_id=anouk.id, kind="feedback"))
        db.session.add(InboundMessage(dedup_key="<antwoord@example.org>", raw=b"From: Anouk\r\n\r\n4: ja",
                                      source="lmtp", sender=anouk.email, user_id=anouk.id,
                                      subject="Re: Agenda", status=InboundStatus.PROCESSED))
        anouk.notify_on_reply = True
        db.session.add(MemberAddress(user_id=anouk.id, email="a.smit@privé.example.org",
                                     confirmed_at=utcnow()))
        accounts.start_session(anouk, "Firefox op Linux")
        accounts.request_login_link(anouk.email, "192.0.2.7")
        db.session.commit()
    return ids


def login_as(app, client, user_id: int) -> None:
    with app.app_context():
        token = accounts.start_session(db.session.get(User, user_id))
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


def download(client) -> dict:
    response = client.get("/account/mijn-gegevens.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.get_data(as_text=True))


def test_export_contains_input_responses_and_mail_preferences(app, client):
    ids = build_member_data(app)
    login_as(app, client, ids["anouk"])
    data = download(client)
    assert data["profiel"][0]["naam"] == "Anouk Smit"
    assert data["profiel"][0]["gemeente"] == "Westerkwartier"
    assert {"gevraagd om inbreng door": "Taskforce Samen Organiseren"} in data["rollen"]
    [given] = data["inbreng"]
    assert given["tekst"] == "Zorg van Anouk bij Taskforce Samen Organiseren"
    assert given["soort"] == "zorg" and "punt 1: Agendapunt 1" in given["agendapunt"]
    assert [event["actie"] for event in data["inbreng_geschiedenis"]] == ["created"]
    assert "punt 2" in data["geen_inbreng"][0]["agendapunt"]
    [answer] = data["concept_ter_inzage"]
    assert answer["antwoord"] == "bezwaar" and answer["toelichting"] == "Te stellig geformuleerd"
    preferences = {row["soort"]: row["stand"] for row in data["mailvoorkeuren"]}
    assert preferences["herinneringen van Taskforce Samen Organiseren"] == (
        "Eén overzicht per dag (om 07.00 uur)")
    assert preferences["afgemeld voor: feedback"] == "uit"
    assert preferences["melding bij nieuwe inbreng op punten waarop u inbreng gaf"] == "aan"
    assert any(row["browser"] == "Firefox op Linux" for row in data["sessies"])
    assert [row["adres"] for row in data["extra_adressen"]] == ["a.smit@privé.example.org"]
    assert len(data["inloglinks"]) == 1
    [mail] = [row for row in data["verstuurde_mail"] if row["soort"] == "login_link"]
    assert "/inloggen/link/" not in mail["tekst"] and "[inloglink verwijderd" in mail["tekst"]
    assert data["antwoorden_per_mail"][0]["onderwerp"] == "Re: Agenda"
    assert len(data["antwoordadressen"]) == 1
    # Secrets are never in it: token hashes, nonces, the login link itself.
    text = json.dumps(data)
    assert "geheime-hash" not in text and '"n0"' not in text
    with app.app_context():
        link = db.session.scalar(select(OutboxMessage.body_text).where(
            OutboxMessage.kind == "login_link"))
    assert "/inloggen/link/" in link  # still pending: the row has it, the export does not


def test_export_lists_the_audit_entries_about_the_member(app, client):
    ids = build_member_data(app)
    with app.app_context():
        db.session.add(MemberEvent(user_id=ids["anouk"], actor_id=ids["delegate"],
                                   action="gegevens gecorrigeerd", note="naam"))
        db.session.commit()
    login_as(app, client, ids["anouk"])
    [entry] = download(client)["logboek"]
    assert entry["wat"] == "gegevens gecorrigeerd" and entry["door"] == "Mirjam Kok"


def test_export_lists_what_a_delegate_recorded(app, client):
    ids = build_member_data(app)
    login_as(app, client, ids["delegate"])
    work = download(client)["als_gedelegeerde"]
    assert {"wat": "standpunt, versie 1", "tekst": "Concept-standpunt"}.items() <= work[0].items()
    assert any(row["wat"] == "concept ter inzage verstuurd" for row in work)
    assert {"gedelegeerde van": "Taskforce Samen Organiseren"} in download(client)["rollen"]


def test_the_readable_page_shows_the_same_data(app, client):
    ids = build_member_data(app)
    login_as(app, client, ids["anouk"])
    html = client.get("/account/mijn-gegevens").get_data(as_text=True)
    assert "Zorg van Anouk bij Taskforce Samen Organiseren" in html
    assert "Te stellig geformuleerd" in html and "Firefox op Linux" in html
    assert "Inbreng van Bram" not in html
    assert 'href="/account/mijn-gegevens.json"' in client.get("/account").get_data(as_text=True)


def test_a_member_never_downloads_someone_elses_data(app, client):
    ids = build_member_data(app)
    login_as(app, client, ids["bram"])
    # Whatever the URL says, the download is of the member logged in.
    for query in ("", f"?user={ids['anouk']}", f"?user_id={ids['anouk']}&id={ids['anouk']}"):
        response = client.get(f"/account/mijn-gegevens.json{query}")
        text = response.get_data(as_text=True)
        assert "Bram Visser" in text
        assert "Anouk" not in text and "anouk.smit" not in text and "Te stellig" not in text
        assert "Anouk" not in client.get(f"/account/mijn-gegevens{query}").get_data(as_text=True)
    # Logged out: the login page, no data.
    client.post("/uitloggen")
    response = client.get("/account/mijn-gegevens.json")
    assert response.status_code == 302 and response.headers["Location"].startswith("/inloggen")


def test_reading_the_export_writes_nothing(app, client):
    ids = build_member_data(app)
    login_as(app, client, ids["anouk"])
    with app.app_context():
        before = {model: db.session.query(model).count()
                  for model in (NoInput, ReplyToken, OutboxMessage, MemberEvent, Meeting)}
    download(client)
    client.get("/account/mijn-gegevens")
    with app.app_context():
        assert before == {model: db.session.query(model).count() for model in before}
