"""Organisation accounts (OpenID Connect providers) members may log in with."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consult.accounts.models import Organisation
from consult.database import UTCDateTime, utcnow
from consult.extensions import db


def lines(text: str) -> list[str]:
    """One value per line (or comma), blanks dropped."""
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class OidcProvider(db.Model):
    """One organisation's login (Entra ID, Keycloak, ...): which issuers (Entra tenant
    ids) it trusts and for which municipalities' members. The client secret is stored
    and never shown back."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # The issuer URL; its /.well-known/openid-configuration is fetched from it.
    discovery_url: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[str] = mapped_column(String(500), default="")
    # One per line: issuer URLs, or Entra tenant ids (the `tid` claim). Empty: only the
    # issuer of the discovery document.
    allowed_issuers: Mapped[str] = mapped_column(Text, default="")
    # One per line: the municipalities whose members may log in here. Empty: any member.
    municipalities: Mapped[str] = mapped_column(Text, default="")
    # Unknown (verified) addresses become members of this organisation, if allowed.
    allow_self_registration: Mapped[bool] = mapped_column(default=False)
    self_registration_organisation: Mapped[Organisation | None] = mapped_column(
        db.Enum(Organisation, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e])
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
