"""Anonymising a former member: through the admin UI (input kept as "oud-lid,
<organisatie>" or removed per body, an audit entry), and by the scheduler once the
retention period after deactivation has passed, never before and never twice."""

from datetime import timedelta

from sqlalchemy import func, select

from consult.accounts.models import LoginSession, MemberAddress, MemberEvent, User
from consult.comments.models import Comment, CommentEvent, NoInput
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import InboundMessage, ReplyToken
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.meetings.models import Body
from consult.privacy.anonymise import anonymise_expired
from consult.reminders.models import ReminderPreference
from consult.scheduler import run_tick
from consult.statements.models import DraftReviewAnswer
from tests.test_privacy_export import build_member_data

TF, CIO = "Taskforce Samen Organiseren", "CIO-Beraad – VNG"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def texts_of(user_id: int) -> set[str]:
    return set(db.session.scalars(select(Comment.text).where(Comment.author_id == user_id)))


def test_admin_anonymises_a_former_member_keeping_input_per_body(app, client, auth, users):
    ids = build_member_data(app, keep_input={TF: True, CIO: False})
    anouk = ids["anouk"]
    with app.app_context():  # mail to someone else that names her
        db.session.add(OutboxMessage(
            idempotency_key="new-input-bram", kind="new_input", recipient="bram@example.org",
            user_id=ids["bram"], subject="Nieuwe inbreng",
            body_text="Anouk Smit (anouk.smit@westerkwartier.example.org) gaf inbreng.",
            body_html="<p>Anouk Smit gaf inbreng.</p>"))
        db.session.commit()
    auth.login("admin")
    # Still active: refused, nothing changed.
    assert client.post(f"/beheer/leden/{anouk}/anonimiseren").status_code == 403
    page = client.get(f"/beheer/leden/{anouk}").get_data(as_text=True)
    assert "Anonimiseren" not in page
    assert client.post(f"/beheer/leden/{anouk}/deactiveren").status_code == 303
    page = client.get(f"/beheer/leden/{anouk}").get_data(as_text=True)
    assert f'action="/beheer/leden/{anouk}/anonimiseren"' in page

    response = client.post(f"/beheer/leden/{anouk}/anonimiseren", follow_redirects=True)
    assert "Het oud-lid is geanonimiseerd en heet nu &#39;oud-lid, VIAG&#39;" in response.get_data(
        as_text=True)
    with app.app_context():
        user = db.session.get(User, anouk)
        assert user.name == "oud-lid, VIAG" and user.anonymised_at is not None
        assert "anouk" not in user.email and user.municipality == "" and not user.notify_on_reply
        # TF keeps the input of former members, the CIO-Beraad removes it.
        assert texts_of(anouk) == {f"Zorg van Anouk bij {TF}"}
        assert count(CommentEvent, CommentEvent.user_id == anouk) == 1
        assert count(NoInput, NoInput.user_id == anouk) == 1
        assert count(DraftReviewAnswer, DraftReviewAnswer.user_id == anouk) == 1
        # Bram's input on the same items stays.
        assert texts_of(ids["bram"]) == {f"Inbreng van Bram bij {TF}", f"Inbreng van Bram bij {CIO}"}
        # What only served her is gone; mail to and from her is emptied.
        for model in (LoginSession, MemberAddress, ReminderPreference, ReplyToken):
            assert count(model, model.user_id == anouk) == 0
        for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == anouk)):
            assert "anouk" not in message.recipient and "/inloggen/link/" not in message.body_text
            assert message.status != OutboxStatus.PENDING  # nothing more goes out
        to_bram = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == "new-input-bram"))
        assert to_bram.body_text == f"oud-lid, VIAG (oud-lid-{anouk}@anoniem.invalid) gaf inbreng."
        assert to_bram.body_html == "<p>oud-lid, VIAG gaf inbreng.</p>"
        inbound = db.session.scalar(select(InboundMessage))
        assert inbound.raw == b"" and inbound.sender == ""
        [event] = db.session.scalars(select(MemberEvent).where(MemberEvent.user_id == anouk))
        assert event.action == "geanonimiseerd" and event.actor_id == users["admin"]
        assert "bewaard als 'oud-lid, VIAG': O0" in event.note and "verwijderd: O1" in event.note
    # The kept input shows under the new name.
    html = client.get(f"/agendapunten/{ids['item0']}").get_data(as_text=True)
    assert "oud-lid, VIAG" in html and "Anouk Smit" not in html
    # Once only, and she cannot come back.
    assert client.post(f"/beheer/leden/{anouk}/anonimiseren").status_code == 403
    assert client.post(f"/beheer/leden/{anouk}/heractiveren").status_code == 403


def test_a_member_cannot_anonymise_anyone(app, client, auth, users):
    ids = build_member_data(app)
    with app.app_context():
        user = db.session.get(User, ids["anouk"])
        user.active, user.deactivated_at = False, utcnow()
        db.session.commit()
    for role in ("member", "delegate"):
        auth.login(role)
        assert client.post(f"/beheer/leden/{ids['anouk']}/anonimiseren").status_code == 403
    with app.app_context():
        assert db.session.get(User, ids["anouk"]).anonymised_at is None


def deactivate(app, user_id: int, days_ago: float) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        user.active, user.deactivated_at = False, utcnow() - timedelta(days=days_ago)
        db.session.commit()


def test_the_scheduler_anonymises_after_the_retention_period_and_not_before(app):
    ids = build_member_data(app)
    deactivate(app, ids["anouk"], days_ago=729)
    deactivate(app, ids["bram"], days_ago=10)
    now = utcnow()
    with app.app_context():
        assert app.config["RETENTION_DAYS_AFTER_DEACTIVATION"] == 730
        assert "anonymised" not in run_tick(now)
        assert db.session.get(User, ids["anouk"]).name == "Anouk Smit"
        later = now + timedelta(days=2)
        assert run_tick(later)["anonymised"] == 1
        db.session.expire_all()
        assert db.session.get(User, ids["anouk"]).name == "oud-lid, VIAG"
        assert db.session.get(User, ids["bram"]).name == "Bram Visser"  # 12 days: not yet
        # Again: nothing more, one audit entry, and it says why and that nobody did it by hand.
        assert "anonymised" not in run_tick(later)
        [event] = db.session.scalars(select(MemberEvent))
        assert event.actor_id is None and "bewaartermijn" in event.note
        assert texts_of(ids["anouk"]) == {"Zorg van Anouk bij Taskforce Samen Organiseren"}


def test_the_retention_period_is_configurable(app):
    ids = build_member_data(app)
    deactivate(app, ids["anouk"], days_ago=31)
    with app.app_context():
        app.config["RETENTION_DAYS_AFTER_DEACTIVATION"] = None
        assert anonymise_expired() == 0
        app.config["RETENTION_DAYS_AFTER_DEACTIVATION"] = 30
        assert anonymise_expired() == 1
        assert anonymise_expired() == 0


def test_the_body_form_sets_whether_input_of_former_members_is_kept(app, client, auth):
    ids = build_member_data(app)
    auth.login("admin")
    form = client.get(f"/beheer/overleggen/{ids['body0']}").get_data(as_text=True)
    assert 'name="keep_former_member_input"' in form and "Inbreng van oud-leden bewaren" in form
    with app.app_context():
        body = db.session.get(Body, ids["body0"])
        data = {"name": body.name, "short_name": body.short_name, "frequency": "monthly",
                "statement_label": "Inbreng", "outcome_label": "Bespreking",
                "deadline_working_days": "3", "deadline_time": "17:00",
                "organisations": ["VIAG", "IMG"]}
    assert client.post(f"/beheer/overleggen/{ids['body0']}", data=data).status_code == 303
    with app.app_context():
        assert db.session.get(Body, ids["body0"]).keep_former_member_input is False
    data["keep_former_member_input"] = "y"
    client.post(f"/beheer/overleggen/{ids['body0']}", data=data)
    with app.app_context():
        assert db.session.get(Body, ids["body0"]).keep_former_member_input is True
