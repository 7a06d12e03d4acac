"""Changing how one logs in asks who is there: setting or removing a password needs the
current password, or, for a member without one, a fresh login (a login link used in the
last REAUTH_MINUTES). Afterwards every other session of the member ends, so a browser
left logged in elsewhere (or an attacker's) is out."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from consult.accounts import services
from consult.accounts.models import LoginSession, User, hash_token
from consult.database import utcnow
from consult.extensions import db

WRONG_PASSWORD = "Uw huidige wachtwoord klopt niet."
NEEDS_PASSWORD = "Vul uw huidige wachtwoord in."
NOT_FRESH = ("Bevestig eerst dat u het bent: vraag hieronder een inloglink aan en log daarmee "
             "opnieuw in. Daarna kunt u een wachtwoord instellen.")


class ReauthRequired(Exception):
    """Who is there is not confirmed; the message (Dutch) says what to do."""


def current_session(user: User) -> LoginSession | None:
    if not user.login_token:
        return None
    return db.session.scalar(select(LoginSession).where(
        LoginSession.token_hash == hash_token(user.login_token)))


def is_fresh(user: User, now: datetime | None = None) -> bool:
    """Logged in (by link or password) in the last REAUTH_MINUTES."""
    row = current_session(user)
    minutes = current_app.config["REAUTH_MINUTES"]
    return row is not None and row.created_at > (now or utcnow()) - timedelta(minutes=minutes)


def confirm_identity(user: User, current_password: str | None, ip: str) -> None:
    """The current password when there is one (counted and throttled as a login attempt:
    services.TooManyAttempts), else a fresh login."""
    if user.password_hash:
        if not current_password:
            raise ReauthRequired(NEEDS_PASSWORD)
        try:
            services.login_with_password(user.email, current_password, ip)
        except services.LoginFailed as error:
            raise ReauthRequired(WRONG_PASSWORD) from error
    elif not is_fresh(user):
        raise ReauthRequired(NOT_FRESH)


def end_other_sessions(user: User) -> int:
    """Every session of the member but this one ends."""
    query = update(LoginSession).where(LoginSession.user_id == user.id,
                                       LoginSession.revoked_at.is_(None))
    if user.login_token:
        query = query.where(LoginSession.token_hash != hash_token(user.login_token))
    return db.session.execute(query.values(revoked_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount


def change_password(user: User, new_password: str | None, current_password: str | None,
                    ip: str) -> int:
    """Set (or with None remove) the password after confirming who is there; returns
    how many other sessions ended."""
    confirm_identity(user, current_password, ip)
    services.set_password(user, new_password)
    return end_other_sessions(user)
