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
