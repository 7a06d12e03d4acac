"""Small builders for test data."""

import itertools

from sqlalchemy import select

from consult.accounts.models import Organisation, Region, Role, User
from consult.extensions import db

_numbers = itertools.count(1)


def region(name: str) -> Region:
    found = db.session.scalar(select(Region).where(Region.name == name))
    if found is None:
        found = Region(name=name)
        db.session.add(found)
    return found


def make_user(kind: str = "member", *, name: str | None = None, email: str | None = None,
              region_name: str | None = None, organisation=Organisation.VIAG,
              municipality: str = "Zeist", active: bool = True, **kwargs) -> User:
    """kind is a role (member, delegate, admin) or "chair" (a member chairing a region)."""
    number = next(_numbers)
    region_name = kwargs.pop("region", region_name)
    user = User(
        name=name or f"Lid {number}",
        email=email or f"lid{number}@gemeente.example.org",
        organisation=organisation,
        municipality=municipality,
        role=Role.MEMBER if kind == "chair" else Role(kind),
        active=active,
    )
    if region_name:
        user.region = region(region_name)
    if kind == "chair":
        user.chairs_region = region(region_name or "Noord")
    db.session.add(user)
    db.session.flush()
    return user


def make_body(name: str = "Taskforce Samen Organiseren", *, delegates=(), organisations=None,
              regions=(), **fields):
    from consult.meetings.models import Body
    from consult.meetings.signals import body_created

    body = Body(name=name, short_name=fields.pop("short_name", "TF"), **fields)
    body.organisations = list(organisations or Organisation)
    body.delegates = list(delegates)
    body.regions = [region(name) for name in regions]
    db.session.add(body)
    db.session.flush()
    body_created.send(body)  # as the bodies admin does: the default reminder rules
    return body


def make_meeting(body, *, starts_in_days: float = 10, deadline_in_days: float = 6,
                 published: bool = True, items: int = 3, **fields):
    """A meeting `starts_in_days` from now with `items` agenda items asking for input."""
    from datetime import timedelta

    from consult.database import utcnow
    from consult.meetings.models import AgendaItem, Meeting, Purpose

    now = utcnow().replace(microsecond=0)
    meeting = Meeting(
        body=body,
        starts_at=now + timedelta(days=starts_in_days),
        ends_at=now + timedelta(days=starts_in_days, hours=3),
        input_deadline=now + timedelta(days=deadline_in_days),
        location=fields.pop("location", "VNG, Den Haag"),
        published_at=now - timedelta(days=1) if published else None,
        **fields,
    )
    for number in range(1, items + 1):
        meeting.items.append(AgendaItem(
            position=number, number=str(number), title=f"Agendapunt {number}",
            explanation=f"Toelichting bij punt {number}.", purpose=Purpose.BESPREKING,
        ))
    db.session.add(meeting)
    db.session.flush()
    return meeting
