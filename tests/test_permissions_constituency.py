"""The constituency rule is written once, in three forms (Python for one member, SQL over
members, SQL over bodies): they must agree on every combination."""

from itertools import product

import pytest

from consult.accounts.models import Organisation
from consult.extensions import db
from consult.meetings.constituency import constituency_query, in_constituency, my_bodies_query
from tests.factories import make_body, make_user


@pytest.fixture
def world(app):
    with app.app_context():
        bodies = [
            make_body("Iedereen"),
            make_body("Alleen IMG", organisations=[Organisation.IMG]),
            make_body("VIAG in Noord", organisations=[Organisation.VIAG], regions=["Noord"]),
            make_body("Noord of Zuid", regions=["Noord", "Zuid"]),
        ]
        members = []
        for number, (organisation, region, active) in enumerate(product(
                [Organisation.VIAG, Organisation.IMG, Organisation.CIO],
                ["Noord", "Zuid", "Oost", None], [True, False])):
            member = make_user("member", email=f"lid{number}@example.org",
                               organisation=organisation, region_name=region)
            member.active = active
            members.append(member)
        delegate = make_user("delegate", email="gedelegeerde@example.org",
                             organisation=Organisation.CIO, region_name="Oost")
        bodies[1].delegates.append(delegate)
        admin = make_user("admin", email="beheer@example.org")
        db.session.flush()
        yield bodies, members, delegate, admin


def test_python_and_sql_over_members_agree(world):
    bodies, members, _, _ = world
    for body in bodies:
        asked = set(db.session.scalars(constituency_query(body)))
        expected = {m for m in members if m.active and in_constituency(m, body)}
        assert {m for m in asked if m in members} == expected, body.name
    # the rule says something: the open body asks everybody, the others some, not all
    counts = [sum(in_constituency(m, b) for m in members) for b in bodies]
    assert counts[0] == len(members) and all(0 < c < len(members) for c in counts[1:])


def test_python_and_sql_over_bodies_agree(world):
    bodies, members, delegate, admin = world
    for member in members:
        mine = set(db.session.scalars(my_bodies_query(member)))
        assert mine == {b.id for b in bodies if in_constituency(member, b)}, member.email
    # delegates also see the bodies they delegate for; admins see every body
    assert bodies[1].id in set(db.session.scalars(my_bodies_query(delegate)))
    assert not in_constituency(delegate, bodies[1])
    assert set(db.session.scalars(my_bodies_query(admin))) == {b.id for b in bodies}
