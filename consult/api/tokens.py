"""Making, revoking and checking personal API tokens, and the rate limit per token."""

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from consult.accounts import throttle
from consult.accounts.models import User, hash_token
from consult.api.models import ApiToken
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import Body
from consult.permissions import can_create_api_token

TOKEN_PREFIX = "cst_"
EXPIRY_CHOICES = (30, 90, 180, 365)  # days, offered on the account page


class TokenError(ValueError):
    """A token that cannot be made as asked (shown in Dutch on the account page)."""


def create_token(user: User, body: Body, name: str, days: int,
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `body`: (the row, the token itself, to be shown once)."""
    name = name.strip()
    if not can_create_api_token(user, body):
        raise TokenError("U kunt alleen een token maken voor een overleg waarvan u gedelegeerde bent.")
    if not name or len(name) > 100:
        raise TokenError("Geef het token een naam van hoogstens 100 tekens.")
    if not 1 <= days <= current_app.config["API_TOKEN_MAX_DAYS"]:
        raise TokenError("Kies een geldigheid van ten hoogste "
                         f"{current_app.config['API_TOKEN_MAX_DAYS']} dagen.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = now or utcnow()
    token = ApiToken(user=user, body=body, name=name, token_hash=hash_token(raw),
                     prefix=raw[:10], created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    return token, raw


def revoke_token(token: ApiToken, now: datetime | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()


def tokens_of(user: User) -> list[ApiToken]:
    """The member's tokens, newest first (revoked and expired ones too, marked)."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def find_token(raw: str, now: datetime | None = None) -> ApiToken | None:
    """The live token (not revoked, not expired) for the presented text, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    now = now or utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    return token


def count_request(token: ApiToken, now: datetime | None = None) -> None:
    """One request more in the token's window (the shared rate limit of
    accounts.throttle: one conditional upsert, exact across workers); a full window
    raises throttle.TooManyAttempts."""
    config = current_app.config
    now = now or utcnow()
    throttle.take([throttle.Limit(f"api-token:{token.id}", config["API_RATE_LIMIT"],
                                  timedelta(seconds=config["API_RATE_WINDOW_SECONDS"]))], now)
    token.last_used_at = now


def token_bodies(user: User) -> list[Body]:
    """The bodies the member may make a token for."""
    bodies = db.session.scalars(select(Body).order_by(Body.name))
    return [body for body in bodies if can_create_api_token(user, body)]
