"""Creating and changing bodies. A new body is announced with the `body_created` signal,
so that other domains (reminders: the default rules) set it up without this package
knowing them."""

from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.accounts.models import Organisation, Region, Role, User
from consult.extensions import db
from consult.meetings.models import Body, Frequency
from consult.meetings.signals import body_created

NAME_TAKEN = "Er is al een overleg met deze naam."


class BodyRuleError(ValueError):
    """A body that cannot be saved; the message is for the user (Dutch), `field` the form
    field it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def all_bodies() -> list[Body]:
    """Every body by name, with what the list shows of it."""
    return list(db.session.scalars(
        select(Body).options(selectinload(Body.delegates), selectinload(Body.organisation_rows),
                             selectinload(Body.regions)).order_by(Body.name)))


def delegate_candidates() -> list[User]:
    """Who can be a body's delegate: active delegates and admins."""
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.role.in_([Role.DELEGATE, Role.ADMIN]))
        .order_by(User.name)))


def name_taken(name: str, body: Body | None = None) -> bool:
    query = select(Body.id).where(Body.name == name.strip())
    if body is not None:
        query = query.where(Body.id != body.id)
    return db.session.scalar(query) is not None


def create_body(**fields) -> Body:
    """A new body (flushed, then announced with `body_created`); `fields` as for
    update_body. Raises BodyRuleError, writing nothing, when the name is taken."""
    if name_taken(fields["name"]):
        raise BodyRuleError("name", NAME_TAKEN)
    body = Body()
    db.session.add(body)
    _set_fields(body, **fields)
    db.session.flush()
    body_created.send(body)
    return body


def update_body(body: Body, **fields) -> None:
    """Raises BodyRuleError, changing nothing, when another body has the name."""
    if name_taken(fields["name"], body):
        raise BodyRuleError("name", NAME_TAKEN)
    _set_fields(body, **fields)


def _set_fields(body: Body, *, name: str, short_name: str, frequency: str,
                statement_label: str, outcome_label: str, secretariat_email: str,
                deadline_working_days: int, deadline_time: time, members_see_each_other: bool,
                organisations: list[str], region_ids: list[int], delegate_ids: list[int],
                keep_former_member_input: bool = True) -> None:
    body.name, body.short_name = name, short_name
    body.frequency = Frequency(frequency)
    body.statement_label, body.outcome_label = statement_label, outcome_label
    body.secretariat_email = secretariat_email
    body.deadline_working_days, body.deadline_time = deadline_working_days, deadline_time
    body.members_see_each_other = members_see_each_other
    body.keep_former_member_input = keep_former_member_input
    body.organisations = [Organisation(value) for value in organisations]
    body.regions = list(db.session.scalars(select(Region).where(Region.id.in_(region_ids))))
    body.delegates = list(db.session.scalars(select(User).where(User.id.in_(delegate_ids))))
