"""Login by emailed link or password, login sessions and login throttling."""

import secrets
import threading
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from consult.accounts.models import LoginAttempt, LoginLink, LoginSession, User, hash_token
from consult.database import utcnow
from consult.extensions import db
from consult.mail.services import queue_message
from consult.pages import external_url

password_hasher = PasswordHasher()  # argon2id with the library's current parameters
# One argon2 computation at a time per process. Each holds 64 MiB (RFC 9106's
# low-memory parameters) while it runs: a worker whose four threads check passwords at
# once would grow by 256 MiB. Waiting costs no throughput, since the computation keeps
# both cores busy by itself (four lanes).
argon2_turn = threading.Lock()

LINK_WINDOW = timedelta(hours=1)
FAILURE_WINDOW = timedelta(minutes=15)


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class LoginFailed(Exception):
    """Wrong address or password; deliberately not saying which."""


class InvalidLoginLink(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def safe_next_url(value: str | None) -> str:
    """Only same-site paths: an open redirect in a login link is a phishing tool."""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return ""
    if "\\" in value:
        return ""
    return value[:500]


def _count_attempts(kind: str, since: datetime, **match: str) -> int:
    query = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.kind == kind, LoginAttempt.created_at >= since
    )
    for column, value in match.items():
        query = query.where(getattr(LoginAttempt, column) == value)
    return db.session.scalar(query) or 0


def _check_limit(kind: str, email: str, ip: str, now: datetime) -> None:
    config = current_app.config
    if kind == "link":
        window = LINK_WINDOW
        limits = {"email": config["LOGIN_LINK_LIMIT_PER_ADDRESS"],
                  "ip": config["LOGIN_LINK_LIMIT_PER_IP"]}
    else:
        window = FAILURE_WINDOW
        limits = {"email": config["LOGIN_FAILURE_LIMIT_PER_ADDRESS"],
                  "ip": config["LOGIN_FAILURE_LIMIT_PER_IP"]}
    values = {"email": email, "ip": ip}
    for column, limit in limits.items():
        if _count_attempts(kind, now - window, **{column: values[column]}) >= limit:
            raise TooManyAttempts(retry_after=int(window.total_seconds()))


def request_login_link(email: str, ip: str, next_url: str = "", now: datetime | None = None):
    """Queue a login link for an active member. Unknown addresses are counted and
    throttled exactly like known ones, so the answer reveals nothing."""
    now = now or utcnow()
    email = email.strip().lower()
    _check_limit("link", email, ip, now)
    db.session.add(LoginAttempt(kind="link", email=email, ip=ip, created_at=now))
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = secrets.token_urlsafe(32)
    minutes = current_app.config["LOGIN_LINK_MINUTES"]
    db.session.add(
        LoginLink(
            user_id=user.id,
            token_hash=hash_token(token),
            next_url=safe_next_url(next_url),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    link = external_url("accounts.login_link", token=token)
    queue_message(
        kind="login_link",
        recipient=user.email,
        user_id=user.id,
        subject="Uw inloglink voor Consult",
        template="login_link",
        context={"user": user, "link": link, "minutes": minutes},
    )


def find_login_link(token: str, now: datetime | None = None) -> LoginLink:
    now = now or utcnow()
    link = db.session.scalar(select(LoginLink).where(LoginLink.token_hash == hash_token(token)))
    if link is None:
        raise InvalidLoginLink("onbekend")
    if link.used_at is not None:
        raise InvalidLoginLink("gebruikt")
    if link.expires_at <= now:
        raise InvalidLoginLink("verlopen")
    if not link.user.active:
        raise InvalidLoginLink("onbekend")
    return link


def use_login_link(token: str, now: datetime | None = None) -> LoginLink:
    """Mark the link used; the conditional update makes it single-use even when two
    requests race."""
    now = now or utcnow()
    link = find_login_link(token, now)
    used = db.session.execute(
        update(LoginLink)
        .where(LoginLink.id == link.id, LoginLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not used:
        raise InvalidLoginLink("gebruikt")
    return link


def hash_password(password: str) -> str:
    with argon2_turn:
        return password_hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        with argon2_turn:
            return password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_is_acceptable(password: str) -> bool:
    # Short passwords exist only on demo accounts ("demo") and only work in demo mode.
    return len(password) >= current_app.config["PASSWORD_MIN_LENGTH"] or bool(
        current_app.config["DEMO"]
    )


def login_with_password(email: str, password: str, ip: str, now: datetime | None = None) -> User:
    now = now or utcnow()
    email = email.strip().lower()
    _check_limit("password_failure", email, ip, now)
    user = find_user_by_email(email)
    if user is not None and user.active and user.password_hash and password_is_acceptable(
        password
    ):
        if password_matches(user.password_hash, password):
            if password_hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            return user
    else:
        # Same work for unknown addresses, so timing does not tell them apart.
        hash_password(password or "x")
    db.session.add(LoginAttempt(kind="password_failure", email=email, ip=ip, created_at=now))
    raise LoginFailed()


def set_password(user: User, password: str | None) -> None:
    user.password_hash = hash_password(password) if password else None


def start_session(user: User, user_agent: str = "") -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(user_id=user.id, token_hash=hash_token(token), user_agent=user_agent[:200])
    )
    user.login_token = token
    return token


def load_session_user(token: str) -> User | None:
    """The user of a live login session, for Flask-Login's user loader."""
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    row = db.session.execute(
        select(LoginSession, User)
        .join(User, LoginSession.user_id == User.id)
        .where(
            LoginSession.token_hash == hash_token(token),
            LoginSession.revoked_at.is_(None),
            LoginSession.created_at > utcnow() - lifetime,
            User.active.is_(True),
        )
        # A chair's region is on most of her pages (desk, "namens"): in the same query.
        .options(joinedload(User.chairs_region))
    ).first()
    if row is None:
        return None
    user = row.User
    user.login_token = token
    return user


def end_session(token: str) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == hash_token(token), LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all_sessions(user: User) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
