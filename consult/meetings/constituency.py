"""The constituency of a body: whom it asks for input. Its organisations, in its regions
when it names any. Written once, in the three forms the code needs: for one user in
Python, and as SQL over members or over bodies (tests/test_permissions_constituency.py
checks that they agree)."""

from sqlalchemy import or_, select

from consult.accounts.models import Role, User
from consult.meetings.models import Body, BodyOrganisation, body_delegate, body_region


def in_constituency(user: User, body: Body) -> bool:
    """The body's organisations, in its regions when it names any."""
    if user.organisation not in body.organisations:
        return False
    return not body.regions or any(region.id == user.region_id for region in body.regions)


def constituency_query(body: Body):
    """The same rule as SQL: the active members a body asks for input, by name."""
    query = select(User).where(
        User.active.is_(True),
        User.organisation.in_(
            select(BodyOrganisation.organisation).where(BodyOrganisation.body_id == body.id)),
    )
    has_regions = select(body_region.c.region_id).where(body_region.c.body_id == body.id)
    query = query.where(or_(~has_regions.exists(), User.region_id.in_(has_regions)))
    return query.order_by(User.name)


def my_bodies_query(user: User):
    """The same rule the other way round, as SQL: the ids of the bodies that ask this user
    for input, and of those the user is a delegate of (admins: every body)."""
    if user.role == Role.ADMIN:
        return select(Body.id)
    in_organisation = select(BodyOrganisation.body_id).where(
        BodyOrganisation.organisation == user.organisation)
    no_regions = ~select(body_region.c.body_id).where(body_region.c.body_id == Body.id).exists()
    in_region = Body.id.in_(select(body_region.c.body_id).where(
        body_region.c.region_id == user.region_id))
    delegate_of = select(body_delegate.c.body_id).where(body_delegate.c.user_id == user.id)
    return select(Body.id).where(or_(
        Body.id.in_(in_organisation) & (no_regions | in_region),
        Body.id.in_(delegate_of),
    ))
