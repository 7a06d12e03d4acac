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
