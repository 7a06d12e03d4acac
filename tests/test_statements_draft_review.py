"""Concept ter inzage: the delegate sends the concept to the item's contributors, who
answer akkoord or bezwaar from the link in the mail; the delegate sees the tally."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from consult.accounts.models import User
from consult.comments.models import Comment
from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.meetings.models import Meeting
from consult.reminders.audience import audience
from consult.reminders.models import Anchor, Audience, ReminderRule
from consult.statements import draft_review
from consult.statements.models import DraftReview, DraftReviewAnswer
from tests.factories import make_user


def answer_by(days=2):
    moment = (utcnow() + timedelta(days=days)).astimezone(ZoneInfo("Europe/Amsterdam"))
    return {"answer_date": moment.strftime("%Y-%m-%d"), "answer_time": "17:00"}


def prepare(app, client, auth, world, users):
    """Inputs by the member on items 1 and 2 and by the chair on item 1; concepts on both."""
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        first, second, _ = meeting.items
        db.session.add_all([
            Comment(item_id=first.id, author_id=users["member"], text="Eén"),
            Comment(item_id=second.id, author_id=users["member"], text="Twee"),
            Comment(item_id=first.id, author_id=users["chair"], text="Drie"),
        ])
        db.session.commit()
        ids = [first.id, second.id]
    auth.login("delegate")
    for number, item_id in enumerate(ids, 1):
        client.post(f"/agendapunten/{item_id}/gezamenlijke-inbreng",
                    data={"text": f"Wij vragen **aandacht** voor punt {number}.",
                          "base_revision_id": ""})
    return ids


def links(app, recipient_id):
    with app.app_context():
        email = db.session.get(User, recipient_id).email
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "draft_review", OutboxMessage.recipient == email)
            .order_by(OutboxMessage.id.desc()))
        return message, re.findall(r"https?://\S+/concept/([\w-]+)", message.body_text)


def test_one_item_to_its_contributors_answered_with_a_post(app, client, auth, world, users):
    first, _ = prepare(app, client, auth, world, users)
    response = client.post(f"/agendapunten/{first}/ter-inzage", data=answer_by())
    assert response.status_code == 303
    message, tokens = links(app, users["member"])
    assert len(tokens) == 1 and "**" not in message.body_text
    assert "Wij vragen aandacht voor punt 1." in message.body_text
    assert "<strong>aandacht</strong>" in message.body_html
    _, chair_tokens = links(app, users["chair"])
    assert len(chair_tokens) == 1 and chair_tokens != tokens
    client.post("/uitloggen")
    # A mail scanner follows the link: nothing is recorded by a GET.
    page = client.get(f"/concept/{tokens[0]}")
    assert page.status_code == 200 and 'value="bezwaar"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(DraftReviewAnswer.answer).where(
            DraftReviewAnswer.user_id == users["member"])) is None
    done = client.post(f"/concept/{tokens[0]}", data={"answer": "bezwaar",
                                                      "note": "Noem ook de kleine gemeenten"})
    assert done.status_code == 303
    assert "Dank u wel" in client.get(done.location).get_data(as_text=True)
    client.post(f"/concept/{chair_tokens[0]}", data={"answer": "akkoord"})
    assert client.get("/concept/onbekend").status_code == 404
    auth.login("delegate")
    html = client.get(f"/agendapunten/{first}/werkruimte").get_data(as_text=True)
    panel = html.split('id="ter-inzage"', 1)[1].split("</section>", 1)[0]
    assert "1 akkoord" in panel and "1 bezwaar" in panel and "0 nog niet" in panel
    assert "Noem ook de kleine gemeenten" in panel and "Anouk Smit" in panel


def test_all_items_make_one_message_per_contributor(app, client, auth, world, users):
    prepare(app, client, auth, world, users)
    response = client.post(f"/vergaderingen/{world['meeting']}/ter-inzage", data=answer_by(),
                           follow_redirects=True)
    assert "ter inzage gestuurd aan 2 indieners" in response.get_data(as_text=True)
    message, tokens = links(app, users["member"])
    assert len(tokens) == 2 and "punt 1, 2" in message.subject
    with app.app_context():
        assert db.session.query(DraftReview).count() == 2
        assert db.session.query(OutboxMessage).filter_by(kind="draft_review").count() == 2
        meeting = db.session.get(Meeting, world["meeting"])
        waiting = {user.id for user in draft_review.unanswered(meeting)}
    assert waiting == {users["member"], users["chair"]}
    client.post(f"/concept/{tokens[0]}", data={"answer": "akkoord"})
    client.post(f"/concept/{tokens[1]}", data={"answer": "akkoord"})
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        assert {user.id for user in draft_review.unanswered(meeting)} == {users["chair"]}


def test_a_newer_review_or_a_passed_time_refuses_the_old_link(app, client, auth, world,
                                                              users):
    first, _ = prepare(app, client, auth, world, users)
    client.post(f"/agendapunten/{first}/ter-inzage", data=answer_by())
    _, old = links(app, users["member"])
    client.post(f"/agendapunten/{first}/ter-inzage", data=answer_by(3))
    _, new = links(app, users["member"])
    refused = client.post(f"/concept/{old[0]}", data={"answer": "akkoord"})
    assert refused.status_code == 422 and "nieuwere versie" in refused.get_data(as_text=True)
    with app.app_context():
        review = db.session.scalar(select(DraftReview).order_by(DraftReview.id.desc()))
        review.answer_by = utcnow() - timedelta(minutes=1)
        db.session.commit()
    late = client.post(f"/concept/{new[0]}", data={"answer": "akkoord"})
    assert late.status_code == 422 and "termijn" in late.get_data(as_text=True)
    assert client.post(f"/concept/{new[0]}", data={"answer": "misschien"}).status_code == 422


def test_sending_checks_the_time_and_needs_a_concept(app, client, auth, world, users):
    first, _ = prepare(app, client, auth, world, users)
    past = client.post(f"/agendapunten/{first}/ter-inzage", data=answer_by(-1),
                       follow_redirects=True)
    assert "in de toekomst" in past.get_data(as_text=True)
    after = client.post(f"/agendapunten/{first}/ter-inzage", data=answer_by(30),
                        follow_redirects=True)
    assert "vóór de vergadering" in after.get_data(as_text=True)
    with app.app_context():
        third = db.session.get(Meeting, world["meeting"]).items[2].id
        db.session.add(Comment(item_id=third, author_id=make_user().id, text="Vier"))
        db.session.commit()
    empty = client.post(f"/agendapunten/{third}/ter-inzage", data=answer_by(),
                        follow_redirects=True)
    assert "Geen concept met indieners" in empty.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(DraftReview).count() == 0
        assert db.session.query(OutboxMessage).filter_by(kind="draft_review").count() == 0
    auth.login("member")
    assert client.post(f"/agendapunten/{first}/ter-inzage", data=answer_by()).status_code == 403


def test_a_reminder_rule_can_target_who_has_not_answered(app, client, auth, world, users):
    prepare(app, client, auth, world, users)
    client.post(f"/vergaderingen/{world['meeting']}/ter-inzage", data=answer_by())
    _, tokens = links(app, users["member"])
    for token in tokens:
        client.post(f"/concept/{token}", data={"answer": "akkoord"})
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        rule = ReminderRule(body=meeting.body, anchor=Anchor.DEADLINE, offset_minutes=-60,
                            audience=Audience.REVIEW_OPEN, subject="Concept", message="…")
        assert [r.user.id for r in audience(rule, meeting)] == [users["chair"]]
        db.session.rollback()
