import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from consult.accounts.models import User
from consult.comments.models import Comment, Mark
from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.meetings.models import AgendaItem, Meeting
from consult.statements import outcomes, services
from consult.statements.models import (
    Outcome,
    Statement,
    StatementDraft,
    StatementEvent,
    StatementRevision,
    StatementStatus,
)
from tests.factories import make_user


def save(client, item_id, text, base="", autosave=False, **kwargs):
    data = {"text": text, "base_revision_id": base}
    if autosave:
        data["autosave"] = "1"
    return client.post(f"/agendapunten/{item_id}/gezamenlijke-inbreng", data=data, **kwargs)


def statement_of(app, item_id):
    with app.app_context():
        statement = db.session.scalar(select(Statement).where(Statement.item_id == item_id))
        revisions = db.session.scalars(select(StatementRevision).where(
            StatementRevision.statement_id == statement.id).order_by(
            StatementRevision.number)).all() if statement else []
        return statement, [(r.number, r.text, r.note) for r in revisions]


def hold_meeting(app, meeting_id, published_outcomes=False):
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        now = utcnow()
        meeting.input_deadline = now - timedelta(days=2)
        meeting.starts_at = now - timedelta(hours=3)
        meeting.ends_at = now - timedelta(hours=1)
        if published_outcomes:
            meeting.outcomes_published_at = now
        db.session.commit()


def test_revisions_no_op_restore_and_diff(app, client, auth, world):
    auth.login("delegate")
    item = world["item"]
    assert save(client, item, "Eerste tekst").status_code == 303
    statement, revisions = statement_of(app, item)
    assert revisions == [(1, "Eerste tekst", "")]
    same = save(client, item, "Eerste tekst\r\n", base=statement.current_revision_id,
                follow_redirects=True)
    assert "Geen wijzigingen" in same.get_data(as_text=True)
    assert statement_of(app, item)[1] == [(1, "Eerste tekst", "")]
    save(client, item, "Tweede **tekst**", base=statement.current_revision_id)
    statement, revisions = statement_of(app, item)
    assert [r[0] for r in revisions] == [1, 2]
    with app.app_context():
        first = db.session.scalar(select(StatementRevision).where(StatementRevision.number == 1))
        first_id = first.id
    client.post(f"/versies/{first_id}/herstellen")
    statement, revisions = statement_of(app, item)
    assert revisions[-1] == (3, "Eerste tekst", "hersteld uit versie 1")
    page = client.get(f"/agendapunten/{item}/versies?van=2&naar=3").get_data(as_text=True)
    diff = page.split('class="diff preserve">', 1)[1].split("</div>", 1)[0]
    assert "<del>Tweede</del>" in diff and "<ins>Eerste</ins>" in diff
    assert "<del>**tekst**</del>" in diff and "<ins>tekst</ins>" in diff


def test_word_diff_escapes_text():
    markup = str(services.word_diff("a <b>", "a <script>"))
    assert "<script>" not in markup and "&lt;script&gt;" in markup


def test_conflict_between_two_delegates_keeps_both_texts(app, client, auth, world, users):
    with app.app_context():
        other = make_user("delegate", name="Tweede Gedelegeerde")
        from consult.meetings.models import Body

        body = db.session.get(Body, world["body"])
        body.delegates.append(other)
        db.session.commit()
        users["second"] = other.id
    item = world["item"]
    auth.login("delegate")
    save(client, item, "Basis")
    base = statement_of(app, item)[0].current_revision_id
    save(client, item, "Versie van Mirjam", base=base)
    second = app.test_client()
    type(auth)(app, second, users).login("second")
    response = save(second, item, "Versie van de tweede", base=base,
                    headers={"HX-Request": "true"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Versie van Mirjam" in html and "Versie van de tweede" in html
    with app.app_context():
        draft = db.session.scalar(select(StatementDraft))
        assert draft.text == "Versie van de tweede" and draft.user_id == users["second"]
    merged_base = statement_of(app, item)[0].current_revision_id
    assert save(second, item, "Samengevoegd", base=merged_base).status_code == 303
    statement, revisions = statement_of(app, item)
    assert [r[1] for r in revisions] == ["Basis", "Versie van Mirjam", "Samengevoegd"]
    with app.app_context():
        assert db.session.scalar(select(func.count(StatementDraft.id))) == 0


def test_racing_saves_one_wins_and_nothing_is_lost(app, world, users):
    """Two saves from the same base at the same moment, each in its own transaction."""
    with app.app_context():
        item = db.session.get(AgendaItem, world["item"])
        statement = services.statement_for(item)
        db.session.commit()
        statement_id = statement.id
    results: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(text: str, user_id: int):
        barrier.wait(timeout=10)
        with app.app_context():
            try:
                statement = db.session.get(Statement, statement_id)
                author = db.session.get(User, user_id)
                services.save_statement(statement, author, text, None)
                db.session.commit()
                results.append("saved")
            except services.StatementConflict as conflict:
                db.session.rollback()
                statement = db.session.get(Statement, statement_id)
                services.keep_draft(statement, author, conflict.mine, None)
                db.session.commit()
                results.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(f"Tekst {n}", users[role]))
               for n, role in ((1, "delegate"), (2, "admin"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict", "saved"]
    with app.app_context():
        texts = set(db.session.scalars(select(StatementRevision.text))) | set(
            db.session.scalars(select(StatementDraft.text)))
        assert texts == {"Tekst 1", "Tekst 2"}


def test_a_save_that_loses_the_race_leaves_no_revision(app, world, users):
    """The pointer moved after this editor read it: the conflict's answer keeps the
    request's writes (the author's draft), so the lost revision must not be among them."""
    with app.app_context():
        item = db.session.get(AgendaItem, world["item"])
        author = db.session.get(User, users["delegate"])
        statement = services.statement_for(item)
        first = services.save_statement(statement, author, "Een", None)
        second = services.save_statement(statement, author, "Twee", first.id)
        db.session.commit()
        assert statement.current_revision_id == second.id  # read: now in memory
        db.session.execute(update(Statement).where(Statement.id == statement.id)
                           .values(current_revision_id=first.id)
                           .execution_options(synchronize_session=False))
        with pytest.raises(services.StatementConflict):
            services.save_statement(statement, author, "Drie", second.id)
        services.keep_draft(statement, author, "Drie", second.id)
        db.session.commit()
    _, revisions = statement_of(app, world["item"])
    assert [text for _, text, _ in revisions] == ["Een", "Twee"]


def test_reading_the_workbench_stores_nothing(app, client, auth, world):
    """A GET commits like any request below 400: opening the editor of an item nobody
    wrote for yet must not create its statement."""
    auth.login("delegate")
    for page in ("werkruimte", "versies"):
        assert client.get(f"/agendapunten/{world['item']}/{page}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Statement.id))) == 0


def test_autosave_keeps_a_draft_not_a_revision(app, client, auth, world):
    auth.login("delegate")
    response = save(client, world["item"], "Half af", autosave=True,
                    headers={"HX-Request": "true"})
    assert "Automatisch bewaard" in response.get_data(as_text=True)
    assert statement_of(app, world["item"])[1] == []
    page = client.get(f"/agendapunten/{world['item']}/werkruimte").get_data(as_text=True)
    assert "Half af" in page and "niet opgeslagen versie" in page


def test_finalise_and_reopen_are_recorded_and_final_blocks_edits(app, client, auth, world):
    auth.login("delegate")
    item = world["item"]
    empty = client.post(f"/agendapunten/{item}/gezamenlijke-inbreng/status",
                        data={"status": "definitief"})
    assert empty.status_code == 422 and "Schrijf eerst" in empty.get_data(as_text=True)
    assert statement_of(app, item)[0] is None  # nothing was written
    save(client, item, "Onze inbreng")
    client.post(f"/agendapunten/{item}/gezamenlijke-inbreng/status",
                data={"status": "definitief"})
    statement = statement_of(app, item)[0]
    assert statement.status == StatementStatus.FINAL
    refused = save(client, item, "Nog iets", base=statement.current_revision_id)
    assert refused.status_code == 422 and "definitief" in refused.get_data(as_text=True)
    client.post(f"/agendapunten/{item}/gezamenlijke-inbreng/status", data={"status": "concept"})
    with app.app_context():
        assert [e.action for e in db.session.scalars(select(StatementEvent).order_by(
            StatementEvent.id))] == ["definitief", "heropend"]


def test_members_never_see_concept_statements_or_marks(app, client, auth, world, users):
    with app.app_context():
        comment = Comment(item_id=world["item"], author_id=users["member"], text="Mijn punt")
        db.session.add(comment)
        db.session.commit()
        comment_id = comment.id
    auth.login("delegate")
    save(client, world["item"], "Geheime concepttekst")
    client.post(f"/inbreng/{comment_id}/markeren", data={"mark": "niet overgenomen",
                                                         "reason": "Buiten de scope"})
    auth.login("member")
    page = client.get(f"/agendapunten/{world['item']}").get_data(as_text=True)
    assert "Geheime concepttekst" not in page and "Buiten de scope" not in page
    assert "niet overgenomen" not in page
    for path in (f"/vergaderingen/{world['meeting']}/werkruimte",
                 f"/agendapunten/{world['item']}/werkruimte",
                 f"/agendapunten/{world['item']}/versies"):
        assert client.get(path).status_code == 403
    assert client.post(f"/inbreng/{comment_id}/markeren", data={"mark": ""}).status_code == 403
    assert save(client, world["item"], "x").status_code == 403
    auth.login("other_delegate")
    assert client.get(f"/agendapunten/{world['item']}/werkruimte").status_code == 403
    # Final: members see it, and that their input was used.
    auth.login("delegate")
    client.post(f"/inbreng/{comment_id}/markeren", data={"mark": "verwerkt"})
    client.post(f"/agendapunten/{world['item']}/gezamenlijke-inbreng/status",
                data={"status": "definitief"})
    auth.login("member")
    page = client.get(f"/agendapunten/{world['item']}").get_data(as_text=True)
    assert "Geheime concepttekst" in page and "Uw inbreng is verwerkt" in page
    assert "Wat is er met mijn inbreng gedaan?" in client.get("/").get_data(as_text=True)


def test_marks_with_htmx_and_filters(app, client, auth, world, users):
    with app.app_context():
        for author, kind in ((users["member"], "zorg"), (users["chair"], "steun")):
            db.session.add(Comment(item_id=world["item"], author_id=author, text=f"{kind} tekst",
                                   kind=kind))
        db.session.commit()
        first = db.session.scalar(select(Comment.id).order_by(Comment.id))
    auth.login("delegate")
    fragment = client.post(f"/inbreng/{first}/markeren", data={"mark": "verwerkt"},
                           headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<li class="comment')
    page = client.get(f"/agendapunten/{world['item']}/werkruimte?unmarked=1").get_data(
        as_text=True)
    assert "steun tekst" in page and f'id="inbreng-{first}"' not in page
    page = client.get(f"/agendapunten/{world['item']}/werkruimte?kind=zorg").get_data(
        as_text=True)
    assert f'id="inbreng-{first}"' in page and "steun tekst" not in page
    with app.app_context():
        assert db.session.get(Comment, first).mark == Mark.USED
    overview = client.get(f"/vergaderingen/{world['meeting']}/werkruimte").get_data(as_text=True)
    assert "0 van 3" in overview


def test_outcomes_publish_and_terugkoppeling(app, client, auth, world, users):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        first, second, third = meeting.items
        for author, item in ((users["member"], first), (users["member"], second),
                             (users["chair"], second)):
            db.session.add(Comment(item_id=item.id, author_id=author, text=f"Inbreng op {item.title}"))
        db.session.commit()
        ids = [first.id, second.id, third.id]
    auth.login("delegate")
    save(client, ids[0], "Standpunt over punt 1")
    refused = client.post(f"/vergaderingen/{world['meeting']}/uitkomsten",
                          data={f"uitkomst-{ids[0]}": "te vroeg"})
    assert refused.status_code == 422
    hold_meeting(app, world["meeting"])
    assert save(client, ids[0], "Nog wijzigen").status_code == 422  # read-only now
    client.post(f"/vergaderingen/{world['meeting']}/uitkomsten", data={
        f"uitkomst-{ids[0]}": "Aangenomen", f"uitkomst-{ids[1]}": "Aangehouden"})
    with app.app_context():
        assert db.session.scalar(select(func.count(Outcome.id))) == 2
    client.post(f"/vergaderingen/{world['meeting']}/uitkomsten/publiceren")
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "feedback")).all()
        by_recipient = {m.recipient: m.body_text for m in messages}
        member = db.session.get(User, users["member"]).email
        chair = db.session.get(User, users["chair"]).email
        assert set(by_recipient) == {member, chair}
        assert "Agendapunt 1" in by_recipient[member] and "Agendapunt 2" in by_recipient[member]
        assert "Agendapunt 1" not in by_recipient[chair]
        assert "Standpunt over punt 1" in by_recipient[member]
        assert "Aangenomen" in by_recipient[member] and "Aangehouden" in by_recipient[chair]
        assert db.session.get(Meeting, world["meeting"]).outcomes_published_at is not None
    again = client.post(f"/vergaderingen/{world['meeting']}/uitkomsten/publiceren",
                        follow_redirects=True)
    assert "één keer" in again.get_data(as_text=True)
    auth.login("member")
    page = client.get(f"/agendapunten/{ids[1]}").get_data(as_text=True)
    assert "Aangehouden" in page


def test_outcomes_are_all_checked_before_one_is_written(app, world, users):
    hold_meeting(app, world["meeting"])
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        first, second, _ = meeting.items
        too_long = "x" * (services.MAX_STATEMENT + 1)
        with pytest.raises(services.ConsolidationError):
            outcomes.record_outcomes(meeting, db.session.get(User, users["delegate"]),
                                     {first.id: "Aangenomen", second.id: too_long})
        assert not db.session.new


def test_held_meetings_are_read_only(app, client, auth, world):
    hold_meeting(app, world["meeting"])
    auth.login("delegate")
    response = client.post(f"/agendapunten/{world['item']}/omhoog", follow_redirects=True)
    assert "alleen nog te lezen" in response.get_data(as_text=True)
    assert client.post(f"/vergaderingen/{world['meeting']}/agendapunten/nieuw", data={
        "number": "9", "title": "Te laat"}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(AgendaItem.id)).where(
            AgendaItem.title == "Te laat")) == 0


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", "[x](javascript:alert(1))",
                                     '<img src=x onerror="alert(1)">'])
def test_statement_markdown_is_sanitised(app, client, auth, world, payload):
    auth.login("delegate")
    save(client, world["item"], f"**Vet** {payload}")
    page = client.get(f"/agendapunten/{world['item']}").get_data(as_text=True)
    main = page.split("<main", 1)[1]
    assert "<strong>Vet</strong>" in main
    assert "<script>alert" not in main and 'href="javascript' not in main
    assert "<img" not in main


@pytest.mark.parametrize("base", ["999999", "-1", "abc", "99999999999999999999"])
def test_a_forged_base_revision_is_a_conflict_not_an_error(app, client, auth, world, base):
    auth.login("delegate")
    save(client, world["item"], "Eerste tekst")
    response = save(client, world["item"], "Andere tekst", base=base)
    assert response.status_code in (303, 409)
    autosave = save(client, world["item"], "Concept", base=base, autosave=True,
                    headers={"HX-Request": "true"})
    assert autosave.status_code == 200


def test_terugkoppeling_names_what_happened_to_each_input_in_plain_text(app, client, auth,
                                                                        world, users):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        first, second, _ = meeting.items
        used = Comment(item_id=first.id, author_id=users["member"], text="Graag de Woo noemen")
        refused = Comment(item_id=second.id, author_id=users["member"], text="Ook de AVG")
        db.session.add_all([used, refused])
        db.session.commit()
        ids, comment_ids = [first.id, second.id], [used.id, refused.id]
    auth.login("delegate")
    save(client, ids[0], "Wij steunen de **Woo**.\n\n- eerst [dit](https://vng.nl)\n- dan dat")
    client.post(f"/inbreng/{comment_ids[0]}/markeren", data={"mark": "verwerkt"})
    client.post(f"/inbreng/{comment_ids[1]}/markeren",
                data={"mark": "niet overgenomen", "reason": "Buiten de scope van dit punt."})
    client.post(f"/agendapunten/{ids[0]}/gezamenlijke-inbreng/status",
                data={"status": "definitief"})
    hold_meeting(app, world["meeting"])
    client.post(f"/vergaderingen/{world['meeting']}/uitkomsten",
                data={f"uitkomst-{ids[0]}": "De TF neemt het *advies* over."})
    client.post(f"/vergaderingen/{world['meeting']}/uitkomsten/publiceren")
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "feedback"))
        text, html = message.body_text, message.body_html
    assert "Wat ermee gedaan is: verwerkt in de gezamenlijke inbreng." in text
    assert "Wat ermee gedaan is: niet overgenomen, omdat: Buiten de scope van dit punt." in text
    assert "Wij steunen de Woo." in text and "**" not in text
    assert "- eerst dit (https://vng.nl)\n- dan dat" in text
    assert "De TF neemt het advies over." in text and "*advies*" not in text
    assert "niet overgenomen, omdat: Buiten de scope van dit punt" in html
    assert "<strong>Woo</strong>" in html
    auth.login("member")
    page = client.get("/").get_data(as_text=True)
    results = page.split("Wat is er met mijn inbreng gedaan?", 1)[1]
    assert "<strong>Woo</strong>" in results and "**Woo**" not in results
    assert "<em>advies</em>" in results
    assert "Niet overgenomen, omdat: Buiten de scope van dit punt." in results
