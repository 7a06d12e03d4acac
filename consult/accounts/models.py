"""Members, regions, login sessions and the records that throttle logins."""

import enum
import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from consult.database import UTCDateTime, utcnow
from consult.extensions import db


class Organisation(enum.StrEnum):
    VIAG = "VIAG"
    IMG = "IMG"
    CIO = "CIO-Beraad"


class Role(enum.StrEnum):
    MEMBER = "member"
    DELEGATE = "delegate"
    ADMIN = "admin"


ROLE_LABELS = {Role.MEMBER: "Lid", Role.DELEGATE: "Gedelegeerde", Role.ADMIN: "Beheerder"}


def hash_token(token: str) -> str:
    """Tokens are stored as hashes: a database leak gives no working links or sessions."""
    return hashlib.sha256(token.encode()).hexdigest()


class Region(db.Model):
    """An ICT-beraad region (Noord, Oost, ...)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)

    def __str__(self) -> str:
        return self.name


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased, which makes the unique constraint case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    organisation: Mapped[Organisation] = mapped_column(
        db.Enum(Organisation, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e])
    )
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    municipality: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(
        db.Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Role.MEMBER,
    )
    # A regional chair (regiovoorzitter) is a member who chairs a region.
    chairs_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A former member whose name and address were replaced (AVG): for good.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Mail me when someone adds input to an item I gave input on.
    notify_on_reply: Mapped[bool] = mapped_column(default=False)
    # Secret of the personal calendar feed URL; a new one revokes the old URL.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    region: Mapped[Region | None] = relationship(foreign_keys=[region_id])
    chairs_region: Mapped[Region | None] = relationship(foreign_keys=[chairs_region_id])

    # Set by the login service for Flask-Login: the session cookie holds the login
    # session's token, not the user id, so a session can be revoked on the server.
    login_token = None
    # Set for a member who came in by the personal link of one meeting's mail: that
    # meeting only (consult.permissions.link_access), no session for anything else.
    link_meeting_id = None

    @validates("email")
    def _normalise_email(self, _key, value: str) -> str:
        return value.strip().lower()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.login_token

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_delegate(self) -> bool:
        return self.role == Role.DELEGATE

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class LoginSession(db.Model):
    """One logged-in browser. Logout revokes it; "overal uitloggen" revokes all."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last request, to a few minutes (SESSION_IDLE_TOUCH_MINUTES): the idle timeout.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()


class MemberAddress(db.Model):
    """An extra address of a member (a second mailbox, a secretary's): confirmed by a
    link sent to it, after which a reply from it counts as the member's."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @validates("email")
    def _normalise_email(self, _key, value: str) -> str:
        return value.strip().lower()


class LoginLink(db.Model):
    """A one-time login link sent by email."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    next_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ThrottleCounter(db.Model):
    """Attempts under one rate-limit key in its current window (consult/accounts/throttle.py),
    in the database so the limits hold across web workers."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the key
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    count: Mapped[int] = mapped_column(default=0)


class MemberEvent(db.Model):
    """Audit log of what was done to a member's data (anonymised, by whom or by the
    retention period); a member's data export lists it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # Empty: the scheduler did it (the retention period).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
