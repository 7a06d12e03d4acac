"""A body's reminder rules: the defaults every new body starts with, and changing them
(each change re-plans the body's coming meetings).

"Agenda open" is the first default: at publication, to the whole constituency. Like
every rule it is sent by the scheduler tick, can be edited or switched off.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from consult.accounts.models import User
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import Body
from consult.permissions import can_manage_reminders
from consult.reminders.models import (
    Anchor,
    Audience,
    Condition,
    Reminder,
    ReminderRule,
    ReminderStatus,
)
from consult.reminders.planning import DAY, replan_body

DEFAULT_RULES = [
    # "Agenda open": the request for input, to the whole constituency.
    dict(anchor=Anchor.PUBLICATION, offset_minutes=0, audience=Audience.ALL,
         subject="Geef uw inbreng: {vergadering}",
         message="De agenda van {vergadering} staat open voor uw inbreng. Geef per "
                 "agendapunt uw inbreng, of laat weten dat u geen inbreng heeft."),
    dict(anchor=Anchor.DEADLINE, offset_minutes=-5 * DAY, audience=Audience.NON_RESPONDERS,
         subject="Herinnering: uw inbreng voor {vergadering}",
         message="U heeft nog niet gereageerd op de agenda van {vergadering}. Ook "
                 "\"geen inbreng\" helpt: dan weet de gedelegeerde dat u de agenda zag."),
    dict(anchor=Anchor.DEADLINE, offset_minutes=-1 * DAY, audience=Audience.NON_RESPONDERS,
         subject="Morgen sluit de inbreng voor {vergadering}",
         message="Morgen sluit de termijn voor inbreng op de agenda van {vergadering}. "
                 "U heeft nog niet gereageerd."),
    dict(anchor=Anchor.DEADLINE, offset_minutes=0, audience=Audience.DELEGATES,
         subject="Consolideer nu: de inbreng voor {vergadering} is gesloten",
         message="De termijn voor inbreng is verlopen. Verwerk de inbreng nu tot één "
                 "gezamenlijke inbreng per agendapunt."),
    dict(anchor=Anchor.MEETING_START, offset_minutes=-1 * DAY, audience=Audience.DELEGATES,
         condition=Condition.STATEMENT_NOT_FINAL,
         subject="Morgen vergadert {overleg}: nog niet alles is definitief",
         message="Morgen is de vergadering. Nog niet alle gezamenlijke inbreng is "
                 "definitief."),
    dict(anchor=Anchor.MEETING_END, offset_minutes=1 * DAY, audience=Audience.DELEGATES,
         condition=Condition.OUTCOMES_MISSING,
         subject="Leg de bespreking vast: {vergadering}",
         message="De vergadering is geweest. Leg per agendapunt vast wat de vergadering "
                 "met de inbreng deed, en laat de achterban het weten."),
]


def create_default_rules(body: Body, **_signal) -> list[ReminderRule]:
    """On meetings.signals.body_created: the new body gets the default rules (once: a
    body that has rules keeps them)."""
    if body.id is not None and db.session.scalar(
            select(ReminderRule.id).where(ReminderRule.body_id == body.id).limit(1)):
        return []
    rules = [ReminderRule(body=body, **fields) for fields in DEFAULT_RULES]
    db.session.add_all(rules)
    return rules


def body_rules(body: Body) -> list[ReminderRule]:
    return list(db.session.scalars(
        select(ReminderRule).where(ReminderRule.body_id == body.id)
        .order_by(ReminderRule.anchor, ReminderRule.offset_minutes, ReminderRule.id)))


def managed_bodies(user: User) -> list[Body]:
    """The bodies whose reminders `user` manages, by name."""
    return [body for body in db.session.scalars(select(Body).order_by(Body.name))
            if can_manage_reminders(user, body)]


def describe_offset(rule: ReminderRule) -> str:
    """"5 dagen voor de deadline voor inbreng", "bij de publicatie"."""
    minutes = abs(rule.offset_minutes)
    if minutes == 0:
        return f"bij {rule.anchor_label}"
    days, rest = divmod(minutes, DAY)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} {'dag' if days == 1 else 'dagen'}")
    if hours:
        parts.append(f"{hours} uur")
    if mins:
        parts.append(f"{mins} {'minuut' if mins == 1 else 'minuten'}")
    direction = "voor" if rule.offset_minutes < 0 else "na"
    return f"{' en '.join(parts)} {direction} {rule.anchor_label}"


@dataclass
class RuleFields:
    """What the rule form sets."""

    anchor: Anchor
    offset_minutes: int
    audience: Audience
    condition: Condition
    subject: str
    message: str
    active: bool


def save_rule(body: Body, rule: ReminderRule | None, fields: RuleFields) -> ReminderRule:
    """A new (rule None) or changed rule of `body`; its coming meetings are re-planned."""
    if rule is None:
        rule = ReminderRule(body_id=body.id)
        db.session.add(rule)
    for name, value in vars(fields).items():
        setattr(rule, name, value)
    replan_body(body)
    return rule


def toggle_rule(rule: ReminderRule) -> bool:
    """Switch the rule on or off; returns whether it is on now."""
    rule.active = not rule.active
    replan_body(rule.body)
    return rule.active


def delete_rule(rule: ReminderRule, now: datetime | None = None) -> None:
    """Its planned rows are cancelled; what it sent stays visible (rule_id becomes NULL)."""
    now = now or utcnow()
    for row in db.session.scalars(select(Reminder).where(
            Reminder.rule_id == rule.id, Reminder.status == ReminderStatus.PLANNED)):
        row.status, row.note, row.processed_at = ReminderStatus.CANCELLED, "regel verwijderd", now
    db.session.flush()
    db.session.execute(update(Reminder).where(Reminder.rule_id == rule.id)
                       .values(rule_id=None))
    db.session.delete(rule)
