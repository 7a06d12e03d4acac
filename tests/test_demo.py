import csv
import io

from sqlalchemy import func, select

from consult.accounts.models import User
from consult.demo import demo_members_csv
from consult.extensions import db
from consult.meetings.models import Body, Frequency
from tests.conftest import SHARED


def test_demo_members_are_exactly_the_fixture_members():
    shipped = demo_members_csv()
    fixture = SHARED / "fixtures" / "members.csv"
    if fixture.exists():
        assert shipped == fixture.read_text(encoding="utf-8")


def test_demo_data_loads_once_and_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    rows = list(csv.DictReader(io.StringIO(demo_members_csv())))
    with app.app_context():
        emails = set(db.session.scalars(select(User.email)))
        assert emails == {row["email"] for row in rows}
        bodies = {b.name: b.frequency for b in db.session.scalars(select(Body))}
        assert bodies == {"Taskforce Samen Organiseren": Frequency.MONTHLY,
                          "CIO-Beraad – VNG": Frequency.QUARTERLY}
        hashes = dict(db.session.execute(select(User.email, User.password_hash)).all())
    second = runner.invoke(args=["demo-data"])
    assert "0 leden aangemaakt, 0 bijgewerkt, 0 overleggen aangemaakt" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == len(rows)
        assert dict(db.session.execute(select(User.email, User.password_hash)).all()) == hashes


def test_demo_password_works_only_in_demo_mode(app, client):
    app.test_cli_runner().invoke(args=["demo-data"])
    data = {"pw-email": "anouk.smit@westerkwartier.example.org", "pw-password": "demo"}
    assert client.post("/inloggen/wachtwoord", data=data).status_code == 422
    app.config["DEMO"] = True
    assert client.post("/inloggen/wachtwoord", data=data).status_code == 303


def test_demo_logins_lists_one_account_per_role(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo-data"])
    output = runner.invoke(args=["demo-logins"]).output
    for role in ("beheerder", "gedelegeerde", "regiovoorzitter", "lid"):
        assert role in output


def test_demo_meetings(app):
    from datetime import timedelta

    from consult.comments.models import Comment
    from consult.database import utcnow
    from consult.meetings.models import Attachment, Meeting
    from consult.statements.models import Outcome, Statement, StatementStatus

    app.test_cli_runner().invoke(args=["demo-data"])
    now = utcnow()
    with app.app_context():
        meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
        past, upcoming, quarterly = meetings
        assert upcoming.body.name == "Taskforce Samen Organiseren"
        assert upcoming.published_at and timedelta(days=9) < upcoming.starts_at - now < timedelta(
            days=11)
        assert timedelta(days=5) < upcoming.input_deadline - now < timedelta(days=7)
        labels = [item.label for item in upcoming.items]
        assert labels == ["1", "2", "3", "3A", "3B", "4", "5", "6", "6A", "6B", "7", "8"]
        attachments = db.session.scalars(select(Attachment).join(Attachment.item).where(
            Attachment.item.has(meeting_id=upcoming.id))).all()
        assert len(attachments) == 10 and all(a.uploaded for a in attachments)
        assert quarterly.body.name == "CIO-Beraad – VNG" and quarterly.starts_at > now
        assert past.starts_at < now and past.outcomes_published_at is not None
        past_items = [item.id for item in past.items]
        assert db.session.scalar(select(func.count(Comment.id)).where(
            Comment.item_id.in_(past_items))) >= 4
        statements = db.session.scalars(select(Statement).where(
            Statement.item_id.in_(past_items))).all()
        assert statements and all(s.status == StatementStatus.FINAL and s.text
                                  for s in statements)
        assert db.session.scalar(select(func.count(Outcome.id)).where(
            Outcome.item_id.in_(past_items))) == len(statements)
