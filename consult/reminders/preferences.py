"""Each member's reminder preferences per body (every reminder, a daily digest, or
none), and the signed one-click unsubscribe link (RFC 8058)."""

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from consult.accounts.models import User
from consult.database import utcnow
from consult.extensions import db
from consult.mail.services import add_once
from consult.meetings.constituency import my_bodies_query
from consult.meetings.models import Body
from consult.reminders.models import PreferenceMode, ReminderPreference

UNSUBSCRIBE_SALT = "consult.reminders.unsubscribe"


def serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


# The body id in the link of a daily digest, which gathers the reminders of every body
# the member chose the digest for: unsubscribing stops that digest.
DIGEST = 0


def unsubscribe_token(user_id: int, body_id: int) -> str:
    return serializer().dumps([user_id, body_id])


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    try:
        value = serializer().loads(token)
    except BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        return None
    return value[0], value[1]


def unsubscribe_target(token: str) -> tuple[User, Body | None] | None:
    """The member and body a link is for (body None: the daily digest); None for a
    forged or stale link."""
    ids = read_unsubscribe_token(token)
    if ids is None:
        return None
    user = db.session.get(User, ids[0])
    body = None if ids[1] == DIGEST else db.session.get(Body, ids[1])
    return None if user is None or (body is None and ids[1] != DIGEST) else (user, body)


def preference(user_id: int, body_id: int) -> ReminderPreference | None:
    return db.session.scalar(select(ReminderPreference).where(
        ReminderPreference.user_id == user_id, ReminderPreference.body_id == body_id))


def effective_mode(pref: ReminderPreference | None) -> PreferenceMode:
    if pref is None:
        return PreferenceMode.EACH
    return PreferenceMode.OFF if pref.unsubscribed_at else pref.mode


def set_preference(user_id: int, body_id: int, mode: PreferenceMode,
                   now: datetime | None = None) -> ReminderPreference:
    pref = preference(user_id, body_id)
    if pref is None:
        pref = ReminderPreference(user_id=user_id, body_id=body_id)
        if not add_once(pref):  # created at the same moment by another request
            pref = preference(user_id, body_id)
    pref.mode, pref.updated_at = mode, now or utcnow()
    pref.unsubscribed_at = None
    return pref


def unsubscribe(user_id: int, body_id: int, now: datetime | None = None) -> None:
    pref = set_preference(user_id, body_id, PreferenceMode.OFF, now)
    pref.unsubscribed_at = now or utcnow()


def unsubscribe_digest(user_id: int, now: datetime | None = None) -> None:
    """Every body whose reminders go to the member's digest: off."""
    for pref in db.session.scalars(select(ReminderPreference).where(
            ReminderPreference.user_id == user_id,
            ReminderPreference.mode == PreferenceMode.DIGEST,
            ReminderPreference.unsubscribed_at.is_(None))):
        unsubscribe(user_id, pref.body_id, now)


def my_bodies(user: User) -> list[Body]:
    """The bodies that ask `user` for input or that `user` is a delegate of."""
    return list(db.session.scalars(
        select(Body).where(Body.id.in_(my_bodies_query(user))).order_by(Body.name)))


def reminder_settings(user: User) -> list[tuple[Body, str, bool]]:
    """For the account page: per body the member's mode and whether they unsubscribed."""
    settings = []
    for body in my_bodies(user):
        pref = preference(user.id, body.id)
        settings.append((body, effective_mode(pref).value, bool(pref and pref.unsubscribed_at)))
    return settings


def save_preferences(user: User, chosen: dict[int, str]) -> None:
    """`chosen`: a mode value per body id, from the account page; others are ignored."""
    modes = {mode.value for mode in PreferenceMode}
    for body in my_bodies(user):
        value = chosen.get(body.id)
        if value in modes and effective_mode(preference(user.id, body.id)).value != value:
            set_preference(user.id, body.id, PreferenceMode(value))
