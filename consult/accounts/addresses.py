"""A member's extra email addresses (a second mailbox, a secretary's): added on the
account page, confirmed by a link sent to that address, removed there too. A reply by
mail from a confirmed extra address counts as the member's (comments.mail_replies).
Only the digest of the confirmation token is stored."""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from consult.accounts.models import MemberAddress, User, hash_token
from consult.database import utcnow
from consult.extensions import db
from consult.mail.services import queue_message
from consult.pages import external_url

CONFIRM_WITHIN = timedelta(days=2)
MAX_ADDRESSES = 5


class AddressError(ValueError):
    """The address cannot be added or confirmed; the message says why (Dutch)."""


def addresses(user: User) -> list[MemberAddress]:
    return list(db.session.scalars(select(MemberAddress).where(MemberAddress.user_id == user.id)
                                   .order_by(MemberAddress.id)))


def confirmed_addresses(user_id: int) -> set[str]:
    """The member's own address and the extra ones confirmed, lower-cased."""
    own = db.session.scalar(select(User.email).where(User.id == user_id))
    extra = db.session.scalars(select(MemberAddress.email).where(
        MemberAddress.user_id == user_id, MemberAddress.confirmed_at.is_not(None)))
    return {address.lower() for address in (own, *extra) if address}


def add_address(user: User, email: str, now: datetime | None = None) -> MemberAddress:
    """Add (or for an unconfirmed one: send again) and mail the confirmation link."""
    now = now or utcnow()
    email = email.strip().lower()
    if email == user.email:
        raise AddressError("Dit is al het e-mailadres van uw account.")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise AddressError("Dit adres hoort bij een ander account. Vraag de beheerder om hulp.")
    row = db.session.scalar(select(MemberAddress).where(MemberAddress.email == email))
    if row is not None and row.user_id != user.id:
        raise AddressError("Dit adres hoort bij een ander account. Vraag de beheerder om hulp.")
    if row is not None and row.confirmed_at is not None:
        raise AddressError("Dit adres staat al bij uw account.")
    if row is None:
        if len(addresses(user)) >= MAX_ADDRESSES:
            raise AddressError(f"U kunt hoogstens {MAX_ADDRESSES} extra adressen toevoegen.")
        row = MemberAddress(user_id=user.id, email=email)
        db.session.add(row)
    token = secrets.token_urlsafe(32)
    row.token_hash, row.created_at = hash_token(token), now
    db.session.flush()
    queue_message(
        kind="address_confirm", recipient=email, user_id=user.id,
        subject="Bevestig uw extra e-mailadres voor Consult", template="address_confirm",
        context={"user": user, "email": email,
                 "link": external_url("accounts.confirm_address", token=token)},
        idempotency_key=f"address_confirm:{row.id}:{row.token_hash[:16]}")
    return row


def address_for_token(token: str, now: datetime | None = None) -> MemberAddress:
    now = now or utcnow()
    row = db.session.scalar(select(MemberAddress).where(
        MemberAddress.token_hash == hash_token(token))) if 0 < len(token) <= 100 else None
    if row is None:
        raise AddressError("Deze bevestigingslink is onbekend of al gebruikt.")
    if row.created_at < now - CONFIRM_WITHIN:
        raise AddressError("Deze bevestigingslink is verlopen. Voeg het adres opnieuw toe "
                           "op uw accountpagina.")
    return row


def confirm_address(token: str, now: datetime | None = None) -> MemberAddress:
    """Whoever reads the mail at that address confirms it (no login needed: holding the
    link proves the mailbox); the link then stops working."""
    now = now or utcnow()
    row = address_for_token(token, now)
    row.confirmed_at, row.token_hash = now, None
    return row


def remove_address(row: MemberAddress) -> None:
    """Who may: permissions.can_manage_address."""
    db.session.delete(row)
