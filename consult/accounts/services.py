"""Login by emailed link or password, login sessions and login throttling."""

import secrets
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from consult.accounts import throttle
from consult.accounts.models import LoginLink, LoginSession, User, hash_token
from consult.accounts.throttle import TooManyAttempts  # noqa: F401  (the views catch it here)
from consult.database import utcnow
from consult.extensions import db
from consult.mail.services import queue_message
from consult.pages import external_url
from consult.transactions import after_commit

password_hasher = PasswordHasher()  # argon2id with the library's current parameters
# One argon2 computation at a time per process. Each holds 64 MiB (RFC 9106's
# low-memory parameters) while it runs: a worker whose four threads check passwords at
# once would grow by 256 MiB. Waiting costs no throughput, since the computation keeps
# both cores busy by itself (four lanes).
argon2_turn = threading.Lock()

LINK_WINDOW = timedelta(hours=1)
FAILURE_WINDOW = timedelta(minutes=15)


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


def link_limits(email: str, ip: str) -> list[throttle.Limit]:
    config = current_app.config
    return [
        throttle.Limit(f"link:address:{email}", config["LOGIN_LINK_LIMIT_PER_ADDRESS"], LINK_WINDOW),
        throttle.Limit(f"link:ip:{ip}", config["LOGIN_LINK_LIMIT_PER_IP"], LINK_WINDOW),
    ]


def password_limits(email: str, ip: str) -> list[throttle.Limit]:
    """Wrong passwords: from one IP per address first, so a stranger's guesses lock the
    stranger's IP address out and not the owner (config.py)."""
    config = current_app.config
    return [
        throttle.Limit(f"password:address+ip:{ip} {email}",
                       config["LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_IP"], FAILURE_WINDOW),
        throttle.Limit(f"password:address:{email}", config["LOGIN_FAILURE_LIMIT_PER_ADDRESS"],
                       FAILURE_WINDOW),
        throttle.Limit(f"password:ip:{ip}", config["LOGIN_FAILURE_LIMIT_PER_IP"], FAILURE_WINDOW),
    ]


def request_login_link(email: str, ip: str, next_url: str = "", now: datetime | None = None):
    """Queue a login link for an active member (returns its outbox row, else None).
    Unknown addresses are counted and throttled exactly like known ones, so the answer
    reveals nothing."""
    now = now or utcnow()
    email = email.strip().lower()
    throttle.take(link_limits(email, ip), now)
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
    return queue_message(
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
    # The check takes a slot before it runs (so concurrent guesses cannot all slip past the
    # count) and gives it back when the password was right: only failures count.
    limits = password_limits(email, ip)
    throttle.take(limits, now)
    # The slot is committed before argon2 runs (~0.1 s), so no lock is held meanwhile
    # (SQLite's write lock, PostgreSQL's counter row): logins never queue behind a check.
    db.session.commit()
    user = find_user_by_email(email)
    if user is not None and user.active and user.password_hash and password_is_acceptable(
        password
    ):
        if password_matches(user.password_hash, password):
            if password_hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            throttle.give_back(limits, now)
            return user
    else:
        # Same work for unknown addresses, so timing does not tell them apart.
        hash_password(password or "x")
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


# How often a session's last request is written (the idle timeout is counted to that).
TOUCH_INTERVAL = timedelta(minutes=5)


def load_session_user(token: str) -> User | None:
    """The user of a live login session, for Flask-Login's user loader: younger than the
    absolute lifetime, and used in the last SESSION_IDLE_MINUTES."""
    now = utcnow()
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    last_seen = func.coalesce(LoginSession.last_seen_at, LoginSession.created_at)
    row = db.session.execute(
        select(LoginSession.id, last_seen.label("last_seen"), User)
        .join(User, LoginSession.user_id == User.id)
        .where(
            LoginSession.token_hash == hash_token(token),
            LoginSession.revoked_at.is_(None),
            LoginSession.created_at > now - lifetime,
            last_seen > now - idle,
            User.active.is_(True),
        )
        # A chair's region is on most of her pages (desk, "namens"): in the same query.
        .options(joinedload(User.chairs_region))
    ).first()
    if row is None:
        return None
    if as_utc(row.last_seen) < now - TOUCH_INTERVAL:
        after_commit(lambda: touch_session(row.id))
    user = row.User
    user.login_token = token
    return user


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def touch_session(session_id: int) -> None:
    """After the request's commit, in a transaction of its own that only writes (so a
    GET stays a cheap read until its answer is done)."""
    db.session.execute(update(LoginSession).where(LoginSession.id == session_id)
                       .values(last_seen_at=utcnow())
                       .execution_options(synchronize_session=False))
    db.session.commit()


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
