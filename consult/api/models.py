"""Personal API tokens: read-only, for one body, with an expiry; only their hash is kept."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.database import UTCDateTime, utcnow
from consult.extensions import db
from consult.meetings.models import Body


class ApiToken(db.Model):
    """Made and revoked by an admin or delegate on the account page. The token itself is
    shown once; a leaked database holds only its sha256. Its requests are counted by
    the shared rate limit (accounts.throttle, key "api-token:<id>")."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so the owner can tell her tokens apart ("cst_ab12…").
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    body: Mapped[Body] = relationship()
