import io
from datetime import timedelta

import pytest
from docx import Document
from sqlalchemy import func, select

from consult.accounts.models import Organisation, User
from consult.comments.models import Comment, NoInput
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.meetings.models import AgendaItem, Attachment, Body, Meeting, Purpose
from consult.scheduler import run_tick
from tests.conftest import SHARED, count_queries
from tests.factories import make_body, make_meeting, make_user


def fixture_agenda() -> str:
    path = SHARED / "fixtures" / "agenda-taskforce.txt"
    if not path.exists():
        from consult.demo.meetings import demo_text

        return demo_text("agenda-taskforce.txt")
    return path.read_text(encoding="utf-8").replace("{meeting_date}", "woensdag 2 december 2026")


def test_delegate_creates_a_meeting_with_the_proposed_deadline(app, client, auth, world):
    auth.login("delegate")
    response = client.post("/vergaderingen/nieuw", data={
        "body_id": world["body"], "date": "2026-12-17", "start_time": "09:30",
        "end_time": "12:30", "location": "VNG, Den Haag"})
    assert response.status_code == 303
    with app.app_context():
        meeting = db.session.scalar(select(Meeting).order_by(Meeting.id.desc()))
        assert meeting.starts_at.isoformat() == "2026-12-17T08:30:00+00:00"
        # Thursday 17 December: 3 working days before is Monday 14 December 17.00 CET.
        assert meeting.input_deadline.isoformat() == "2026-12-14T16:00:00+00:00"
        assert meeting.published_at is None


def test_bad_meeting_input_is_explained_and_kept(client, auth, world):
    auth.login("delegate")
    response = client.post("/vergaderingen/nieuw", data={
        "body_id": world["body"], "date": "2026-13-45", "start_time": "12:30",
        "end_time": "09:30", "location": "Zaal met een lange naam"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vul een geldige datum in." in html
    assert 'value="Zaal met een lange naam"' in html
    response = client.post("/vergaderingen/nieuw", data={
        "body_id": world["body"], "date": "2026-12-17", "start_time": "12:30",
        "end_time": "09:30"})
    assert "De eindtijd moet na de begintijd liggen." in response.get_data(as_text=True)


def test_delegate_of_another_body_cannot_create_or_manage(app, client, auth, world):
    auth.login("delegate")
    response = client.post("/vergaderingen/nieuw", data={
        "body_id": world["other"], "date": "2026-12-17", "start_time": "09:30",
        "end_time": "12:30"})
    assert response.status_code == 422  # not a choice for this delegate
    assert client.get(f"/vergaderingen/{world['foreign']}").status_code == 403
    assert client.post(f"/vergaderingen/{world['foreign']}/publiceren").status_code == 403


def test_members_do_not_see_drafts(client, auth, world):
    auth.login("member")
    assert client.get(f"/vergaderingen/{world['draft']}").status_code == 403
    assert client.get(f"/agendapunten/{world['draft_item']}").status_code == 403
    assert client.get(f"/vergaderingen/{world['meeting']}").status_code == 200
    assert client.post(f"/vergaderingen/{world['draft']}/publiceren").status_code == 403
    assert client.post(f"/agendapunten/{world['item']}/omhoog").status_code == 403


def test_import_fixture_agenda_review_correct_and_save(app, client, auth, world):
    auth.login("delegate")
    draft = world["draft"]
    review = client.post(f"/vergaderingen/{draft}/agenda/importeren",
                         data={"text": fixture_agenda()})
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    assert "Agenda controleren" in html and "Jaarplan GGU 2027" in html
    assert 'name="items-11-title"' in html and 'name="items-12-title"' not in html  # 12 items
    form = {}
    for index, (number, sub, title) in enumerate([
        ("1", "", "Opening, mededelingen"), ("3", "A", "Jaarplan GGU 2027 (gecorrigeerd)"),
        ("4", "", "Common Ground")]):
        form.update({f"items-{index}-include": "y", f"items-{index}-number": number,
                     f"items-{index}-sub": sub, f"items-{index}-title": title,
                     f"items-{index}-purpose": "advisering" if sub else "",
                     f"items-{index}-explanation": "Tekst\nmet twee regels",
                     f"items-{index}-attachments": "3a Concept jaarplan GGU 2027" if sub else "",
                     f"items-{index}-asks_input": "y" if sub else ""})
    form.update({"items-3-number": "9", "items-3-title": "Niet opnemen"})  # not included
    # The draft has items: replace or add is a required choice.
    unchosen = client.post(f"/vergaderingen/{draft}/agenda/importeren/opslaan", data=form)
    assert unchosen.status_code == 422
    assert "Kies of de nieuwe punten de bestaande vervangen" in unchosen.get_data(as_text=True)
    form["mode"] = "toevoegen"
    saved = client.post(f"/vergaderingen/{draft}/agenda/importeren/opslaan", data=form)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    with app.app_context():
        items = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == draft)
                                   .order_by(AgendaItem.position)).all()
        titles = [(i.label, i.title) for i in items]
        assert titles[-3:] == [("1", "Opening, mededelingen"),
                               ("3A", "Jaarplan GGU 2027 (gecorrigeerd)"), ("4", "Common Ground")]
        jaarplan = items[-2]
        assert jaarplan.purpose == Purpose.ADVISERING and jaarplan.asks_input
        assert [(a.label, a.title, a.uploaded) for a in jaarplan.attachments] == [
            ("3a", "Concept jaarplan GGU 2027", False)]
    page = client.get(f"/agendapunten/{jaarplan.id}").get_data(as_text=True)
    assert "nog te uploaden" in page


def test_import_review_with_a_missing_title_keeps_everything(client, auth, world):
    auth.login("delegate")
    response = client.post(f"/vergaderingen/{world['draft']}/agenda/importeren/opslaan", data={
        "items-0-include": "y", "items-0-number": "2", "items-0-title": "",
        "items-0-explanation": "Lange toelichting die niet verloren mag gaan"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Punt 2: de titel ontbreekt. Vul een titel in, of vink dit punt uit." in html
    assert "Lange toelichting die niet verloren mag gaan" in html


def test_import_docx_upload(client, auth, world):
    document = Document()
    for line in fixture_agenda().splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    auth.login("delegate")
    response = client.post(f"/vergaderingen/{world['draft']}/agenda/importeren", data={
        "text": "", "file": (io.BytesIO(buffer.getvalue()), "agenda.docx")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Gezamenlijke inkoop van een security operations center" in response.get_data(
        as_text=True)
    bad = client.post(f"/vergaderingen/{world['draft']}/agenda/importeren", data={
        "text": "", "file": (io.BytesIO(b"geen word"), "agenda.docx")},
        content_type="multipart/form-data")
    assert bad.status_code == 422
    assert "geen geldig Word-document" in bad.get_data(as_text=True)


def test_import_without_items_explains(client, auth, world):
    auth.login("delegate")
    response = client.post(f"/vergaderingen/{world['draft']}/agenda/importeren",
                           data={"text": "Beste leden, hierbij de agenda."})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "geen genummerde agendapunten" in html and "Beste leden, hierbij de agenda." in html


def test_add_edit_move_and_withdraw_items(app, client, auth, world):
    auth.login("delegate")
    meeting = world["meeting"]
    added = client.post(f"/vergaderingen/{meeting}/agendapunten/nieuw", data={
        "number": "4", "title": "Rondvraag", "purpose": "", "explanation": ""})
    assert added.status_code == 303
    with app.app_context():
        rondvraag = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Rondvraag"))
        assert not rondvraag.asks_input
        rondvraag_id = rondvraag.id
    bad = client.post(f"/agendapunten/{rondvraag_id}/bewerken", data={"number": "", "title": "X"})
    assert bad.status_code == 422 and "Vul een nummer in." in bad.get_data(as_text=True)
    # htmx: the reordered agenda comes back as a fragment.
    moved = client.post(f"/agendapunten/{rondvraag_id}/omhoog", headers={"HX-Request": "true"})
    html = moved.get_data(as_text=True)
    assert moved.status_code == 200 and html.lstrip().startswith('<section id="agenda"')
    assert html.index("Rondvraag") < html.index("Agendapunt 3")
    # Without JavaScript: a redirect back.
    assert client.post(f"/agendapunten/{rondvraag_id}/omlaag").status_code == 303
    withdraw = client.post(f"/agendapunten/{world['item']}/terugtrekken",
                           data={"reason": "Schuift door"})
    assert withdraw.status_code == 303
    page = client.get(f"/vergaderingen/{meeting}").get_data(as_text=True)
    assert "Gaat van de agenda" in page and "Schuift door" in page
    # Published items are withdrawn, not deleted.
    client.post(f"/agendapunten/{world['item']}/verwijderen")
    with app.app_context():
        assert db.session.get(AgendaItem, world["item"]) is not None


def test_publish_and_cancel_from_the_page(app, client, auth, world):
    with app.app_context():
        make_user("member", organisation=Organisation.IMG)
        db.session.commit()
    auth.login("delegate")
    response = client.post(f"/vergaderingen/{world['draft']}/publiceren", follow_redirects=True)
    assert "De agenda is gepubliceerd." in response.get_data(as_text=True)
    with app.test_request_context():
        run_tick()  # the "agenda open" reminder rule
        assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.meeting_id == world["draft"])) == 6  # 5 role users + 1 member
    again = client.post(f"/vergaderingen/{world['draft']}/publiceren", follow_redirects=True)
    assert "al gepubliceerd" in again.get_data(as_text=True)
    empty = client.post(f"/vergaderingen/{world['draft']}/annuleren", data={"reason": ""})
    assert empty.status_code == 422
    client.post(f"/vergaderingen/{world['draft']}/annuleren", data={"reason": "Geen quorum"})
    page = client.get(f"/vergaderingen/{world['draft']}").get_data(as_text=True)
    assert "Deze vergadering is geannuleerd. Geen quorum" in page


def test_reschedule_lands_in_the_log(app, client, auth, world):
    auth.login("delegate")
    response = client.post(f"/vergaderingen/{world['meeting']}/bewerken", data={
        "body_id": world["body"], "date": "2027-01-20", "start_time": "10:00",
        "end_time": "12:00", "location": "Utrecht", "deadline_date": "2027-01-15",
        "deadline_time": "12:00", "note": "Nieuwe datum van het secretariaat"})
    assert response.status_code == 303
    page = client.get(f"/vergaderingen/{world['meeting']}").get_data(as_text=True)
    assert "verplaatst" in page and "Nieuwe datum van het secretariaat" in page
    assert "woensdag 20 januari 2027 10.00 uur" in page and "Mirjam Kok" in page
    half = client.post(f"/vergaderingen/{world['meeting']}/bewerken", data={
        "body_id": world["body"], "date": "2027-01-20", "start_time": "10:00",
        "end_time": "12:00", "deadline_date": "2027-01-15"})
    assert "zowel een datum als een tijd" in half.get_data(as_text=True)


def test_dashboard_counts_items_awaiting_my_input(app, client, auth, world, users):
    auth.login("member")
    html = client.get("/").get_data(as_text=True)
    assert "3 van 3 agendapunten wachten op uw inbreng." in html
    assert "Nog niet gepubliceerd" not in html  # drafts are for delegates
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        db.session.add(Comment(item_id=meeting.items[0].id, author_id=users["member"], text="x"))
        db.session.add(NoInput(user_id=users["member"], meeting_id=meeting.id,
                               item_id=meeting.items[1].id))
        db.session.commit()
    assert "1 van 3 agendapunten wachten" not in client.get("/").get_data(as_text=True)
    assert "1 van 3 agendapunt wacht op uw inbreng." in client.get("/").get_data(as_text=True)
    with app.app_context():
        db.session.add(NoInput(user_id=users["member"], meeting_id=world["meeting"]))
        db.session.commit()
    assert "U heeft op alle agendapunten gereageerd." in client.get("/").get_data(as_text=True)


def test_member_outside_the_constituency_does_not_see_the_meeting_on_the_dashboard(
        app, client, auth, world, users):
    with app.app_context():
        body = db.session.get(Body, world["body"])
        body.organisations = [Organisation.CIO]
        db.session.commit()
    auth.login("member")  # a VIAG member
    assert "Taskforce Samen Organiseren" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/vergaderingen/{meeting}", "/agendapunten/{item}"])
def test_pages_issue_the_same_number_of_queries_for_3_and_30_items(app, client, auth, users,
                                                                     path):
    counts = []
    for items in (3, 30):
        with app.app_context():
            delegate = db.session.get(User, users["delegate"])
            body = make_body(f"Overleg {items}", delegates=[delegate])
            meeting = make_meeting(body, items=items)
            for item in meeting.items:
                item.attachments.append(Attachment(label=f"{item.number}a", title="Bijlage"))
            db.session.commit()
            ids = {"meeting": meeting.id, "item": meeting.items[-1].id}
        auth.login("delegate")
        with count_queries(app) as statements:
            assert client.get(path.format(**ids)).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 16


def test_archive_search(app, client, auth, world):
    with app.app_context():
        body = db.session.get(Body, world["body"])
        past = make_meeting(body, starts_in_days=-60, deadline_in_days=-65, items=2)
        past.items[1].title = "Common Ground voortgang"
        past.items[0].explanation = "Over 100% van de gemeenten_x"
        db.session.commit()
    auth.login("member")
    html = client.get("/archief?q=common ground").get_data(as_text=True)
    assert "Common Ground voortgang" in html and "1 vergadering met" in html
    assert "0 vergaderingen" in client.get("/archief?q=onbekend onderwerp").get_data(as_text=True)
    # LIKE wildcards are taken literally.
    assert "0 vergaderingen" in client.get("/archief?q=10_%25").get_data(as_text=True)
    assert "1 vergadering" in client.get("/archief?q=100%25").get_data(as_text=True)
    fragment = client.get("/archief?q=common", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="results"')


def test_admin_manages_bodies(app, client, auth, users):
    auth.login("admin")
    with app.app_context():
        make_user("delegate", name="Tweede Gedelegeerde")
        region_id = db.session.get(User, users["member"]).region_id
        db.session.commit()
    response = client.post("/beheer/overleggen/nieuw", data={
        "name": "Regioberaad Noord", "short_name": "RB", "frequency": "irregular",
        "statement_label": "Inbreng Noord", "outcome_label": "Bespreking", "secretariat_email":
        "Secretariaat@Noord.example.org", "deadline_working_days": "2", "deadline_time": "12:00",
        "organisations": ["VIAG"], "regions": [str(region_id)],
        "delegates": [str(users["delegate"])], "members_see_each_other": ""})
    assert response.status_code == 303
    with app.app_context():
        body = db.session.scalar(select(Body).where(Body.name == "Regioberaad Noord"))
        assert body.organisations == [Organisation.VIAG]
        assert [r.id for r in body.regions] == [region_id]
        assert [d.id for d in body.delegates] == [users["delegate"]]
        assert not body.members_see_each_other and body.secretariat_email == "secretariaat@noord.example.org"
    duplicate = client.post("/beheer/overleggen/nieuw", data={
        "name": "Regioberaad Noord", "short_name": "X", "frequency": "monthly",
        "statement_label": "a", "outcome_label": "b", "deadline_working_days": "3",
        "deadline_time": "17:00", "organisations": []})
    html = duplicate.get_data(as_text=True)
    assert duplicate.status_code == 422
    assert "Er is al een overleg met deze naam." in html or "Kies minstens één organisatie." in html
    assert "Regioberaad Noord" in client.get("/beheer/overleggen").get_data(as_text=True)


def test_meeting_times_are_shown_in_amsterdam_time(app, client, auth, world):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        meeting.starts_at = meeting.starts_at.replace(month=7, day=1, hour=7, minute=30)
        meeting.ends_at = meeting.starts_at + timedelta(hours=3)
        db.session.commit()
    auth.login("member")
    assert "09.30–12.30 uur" in client.get(f"/vergaderingen/{world['meeting']}").get_data(
        as_text=True)


def test_archive_searches_input_statements_and_outcomes_as_allowed(app, client, auth, world,
                                                                     users):
    from consult.comments.models import Comment
    from consult.statements.models import (
        Outcome,
        Statement,
        StatementRevision,
        StatementStatus,
    )

    with app.app_context():
        body = db.session.get(Body, world["body"])
        past = make_meeting(body, starts_in_days=-60, deadline_in_days=-65, items=3)
        first, second, third = past.items
        db.session.add(Comment(item=first, author_id=users["chair"], text="Zorg over Haven-x"))
        db.session.add(Comment(item=first, author_id=users["chair"], late=True,
                               text="Laat over Haven-y"))
        statement = Statement(item=second, status=StatementStatus.FINAL)
        draft = Statement(item=third, status=StatementStatus.DRAFT)
        db.session.add_all([statement, draft])
        db.session.flush()
        for stmt, text in ((statement, "Wij steunen Common Ground"),
                           (draft, "Concept over Common Ground")):
            revision = StatementRevision(statement_id=stmt.id, number=1, text=text,
                                         author_id=users["delegate"])
            db.session.add(revision)
            db.session.flush()
            stmt.current_revision_id = revision.id
        db.session.add(Outcome(item=third, text="Besloten: Zeeland-pilot",
                               recorded_by_id=users["delegate"]))
        db.session.commit()
    auth.login("member")
    html = client.get("/archief?q=haven-x").get_data(as_text=True)
    assert "Agendapunt 1" in html and "gevonden in: inbreng" in html
    assert "1 vergadering" in client.get("/archief?q=common ground").get_data(as_text=True)
    html = client.get("/archief?q=common ground").get_data(as_text=True)
    assert "gevonden in: gezamenlijke inbreng" in html
    assert "Agendapunt 3" not in html  # a concept statement is not searched
    assert "0 vergaderingen" in client.get("/archief?q=zeeland").get_data(as_text=True)
    assert "0 vergaderingen" in client.get("/archief?q=haven-y").get_data(as_text=True)
    with app.app_context():
        db.session.get(Body, world["body"]).members_see_each_other = False
        past_meeting = db.session.scalar(select(Meeting).order_by(Meeting.starts_at))
        past_meeting.outcomes_published_at = past_meeting.ends_at
        db.session.commit()
    assert "0 vergaderingen" in client.get("/archief?q=haven-x").get_data(as_text=True)
    assert "gevonden in: uitkomst" in client.get("/archief?q=zeeland").get_data(as_text=True)
    auth.login("delegate")
    assert "gevonden in: inbreng" in client.get("/archief?q=haven-y").get_data(as_text=True)
    # Made a member again (still on the body's list): a member's search, not a delegate's.
    from consult.accounts.models import Role, User

    with app.app_context():
        db.session.get(User, users["delegate"]).role = Role.MEMBER
        db.session.commit()
    assert "0 vergaderingen" in client.get("/archief?q=haven-y").get_data(as_text=True)


def test_delete_item_says_why_a_published_item_stays(app, client, auth, world):
    auth.login("delegate")
    refused = client.post(f"/agendapunten/{world['item']}/verwijderen", follow_redirects=True)
    assert "Een gepubliceerd agendapunt verwijdert u niet" in refused.get_data(as_text=True)
    with app.app_context():
        draft_item = db.session.scalars(select(AgendaItem.id).where(
            AgendaItem.meeting_id == world["draft"])).first()
    deleted = client.post(f"/agendapunten/{draft_item}/verwijderen", follow_redirects=True)
    assert "is verwijderd" in deleted.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AgendaItem, world["item"]) is not None
        assert db.session.get(AgendaItem, draft_item) is None


@pytest.mark.parametrize("role, words", [
    ("member", "Ingelogd als <strong>Anouk Smit</strong></p>"),
    ("delegate", "Ingelogd als <strong>Mirjam Kok</strong> <span class=\"site-header__role\">"
                 "(gedelegeerde)</span>"),
    ("chair", "(regiovoorzitter Noord)"),
    ("admin", "(beheerder)"),
])
def test_every_page_says_who_is_logged_in(client, auth, world, role, words):
    auth.login(role)
    for path in ("/", "/archief", "/account"):
        assert words in client.get(path).get_data(as_text=True)


def test_withdrawing_asks_first_and_names_sit_with_their_municipality(app, client, auth,
                                                                      route_world):
    auth.login("member")
    html = client.get(f"/agendapunten/{route_world['item']}").get_data(as_text=True)
    assert '<span class="comment__author"><strong>Anouk Smit</strong>, Zeist</span>' in html
    confirm = html.split('<details class="confirm">', 1)[1].split("</details>", 1)[0]
    assert "<summary" in confirm and "Intrekken</summary>" in confirm
    assert "Ja, intrekken</button>" in confirm and 'method="post"' in confirm


def test_the_location_says_online_once_on_the_meeting_page(app, client, auth, world):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        meeting.online, meeting.location = True, "Den Haag (en online via Teams)"
        db.session.commit()
    auth.login("member")
    html = client.get(f"/vergaderingen/{world['meeting']}").get_data(as_text=True)
    assert "<dd>Den Haag (en online via Teams)</dd>" in html and "(ook online)" not in html
