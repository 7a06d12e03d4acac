"""Bodies: creating and changing them (services), and the admins' pages."""

from datetime import time

import pytest
from sqlalchemy import func, select

from consult.accounts.models import Organisation, Region
from consult.extensions import db
from consult.meetings.bodies import services
from consult.meetings.models import Body, Frequency
from consult.meetings.signals import body_created
from tests.factories import make_body, make_user


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def fields(**changes) -> dict:
    values = {
        "name": "Regioberaad Noord", "short_name": "RB", "frequency": "irregular",
        "statement_label": "Inbreng Noord", "outcome_label": "Bespreking",
        "secretariat_email": "", "deadline_working_days": 2, "deadline_time": time(12, 0),
        "members_see_each_other": False, "organisations": ["VIAG"], "region_ids": [],
        "delegate_ids": [],
    }
    return values | changes


@pytest.fixture
def announced():
    """The bodies body_created announced, as a receiver in another domain sees them."""
    seen = []

    def receiver(body):
        seen.append((body, body.id, body.name))

    body_created.connect(receiver)
    yield seen
    body_created.disconnect(receiver)


def test_create_body_flushes_then_announces_it(ctx, announced):
    delegate = make_user("delegate")
    noord = Region(name="Noord")
    db.session.add(noord)
    db.session.flush()
    body = services.create_body(**fields(region_ids=[noord.id], delegate_ids=[delegate.id]))
    assert announced == [(body, body.id, "Regioberaad Noord")]
    assert body.id is not None  # a receiver can hang rows on it
    assert body.frequency == Frequency.IRREGULAR and body.organisations == [Organisation.VIAG]
    assert body.regions == [noord] and body.delegates == [delegate]


def test_a_taken_name_writes_and_announces_nothing(ctx, announced):
    make_body("Regioberaad Noord")
    announced.clear()  # the factory announces its body as create_body does
    with pytest.raises(services.BodyRuleError) as refused:
        services.create_body(**fields())
    assert refused.value.field == "name" and str(refused.value) == services.NAME_TAKEN
    assert announced == []
    assert db.session.scalar(select(func.count(Body.id))) == 1


def test_update_body_keeps_its_own_name_but_not_anothers(ctx, announced):
    body = make_body("Regioberaad Noord")
    make_body("Taskforce")
    announced.clear()  # the factory announces its bodies as create_body does
    services.update_body(body, **fields(short_name="RBN"))
    assert body.short_name == "RBN"
    with pytest.raises(services.BodyRuleError):
        services.update_body(body, **fields(name="Taskforce"))
    assert body.name == "Regioberaad Noord"
    assert announced == []  # only new bodies are announced


def test_the_admins_new_body_is_announced(app, client, auth, users, announced):
    auth.login("admin")
    response = client.post("/beheer/overleggen/nieuw", data={
        "name": "Regioberaad Zuid", "short_name": "RZ", "frequency": "monthly",
        "statement_label": "Inbreng", "outcome_label": "Bespreking", "deadline_working_days": "3",
        "deadline_time": "17:00", "organisations": ["IMG"]})
    assert response.status_code == 303
    assert [name for _, _, name in announced] == ["Regioberaad Zuid"]
    with app.app_context():
        assert db.session.scalar(select(Body.id).where(Body.name == "Regioberaad Zuid"))


@pytest.mark.parametrize("field", ["name", "short_name", "statement_label", "outcome_label"])
def test_a_line_break_in_a_name_that_goes_into_mail_headers_is_refused(
        app, client, auth, users, announced, field):
    auth.login("admin")
    data = {"name": "Regioberaad Zuid", "short_name": "RZ", "frequency": "monthly",
            "statement_label": "Inbreng", "outcome_label": "Bespreking",
            "deadline_working_days": "3", "deadline_time": "17:00", "organisations": ["IMG"]}
    data[field] = "Regioberaad\r\nBcc: iedereen@example.org"
    response = client.post("/beheer/overleggen/nieuw", data=data)
    assert response.status_code == 422
    assert "Gebruik hier geen regeleinde" in response.get_data(as_text=True)
    assert announced == []
    with app.app_context():
        assert db.session.scalar(select(func.count(Body.id))) == 0
