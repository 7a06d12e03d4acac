"""Reply tokens: the personal Reply-To address of a member for one meeting,
<token>@<REPLY_DOMAIN>. Off (no address) when REPLY_DOMAIN is not configured."""

import hashlib
import secrets
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select

from consult.database import upsert, utcnow
from consult.extensions import db
from consult.mail.inbound_models import ReplyToken, TokenPurpose, signed_token
from consult.pages import external_url

token_of = signed_token


def hash_of(token: str) -> str:
    return hashlib.sha256(token.strip().lower().encode()).hexdigest()


def address_of(row: ReplyToken) -> str:
    return f"{token_of(row.nonce)}@{current_app.config['REPLY_DOMAIN']}"


def tokens_for(meeting_id: int, user_ids: list[int],
               purpose: TokenPurpose = TokenPurpose.INPUT) -> dict[int, ReplyToken]:
    """The token of each member for the meeting and purpose, made where missing (one
    query and one multi-row insert)."""
    if not user_ids:
        return {}
    rows = existing_tokens(meeting_id, user_ids, purpose)
    missing = [user_id for user_id in dict.fromkeys(user_ids) if user_id not in rows]
    if missing:
        now = utcnow()
        fresh = []
        for user_id in missing:
            nonce = secrets.token_hex(16)
            fresh.append(dict(user_id=user_id, meeting_id=meeting_id, nonce=nonce,
                              purpose=purpose, token_hash=hash_of(token_of(nonce)),
                              created_at=now))
        # Another process fanning out for the same meeting may make them at the same
        # moment: its rows win, ours are dropped, and both read the same tokens back.
        db.session.execute(upsert(db.session, ReplyToken).on_conflict_do_nothing(), fresh)
        rows.update(existing_tokens(meeting_id, missing, purpose))
    return rows


def reply_addresses(meeting_id: int, user_ids: list[int],
                    purpose: TokenPurpose = TokenPurpose.INPUT) -> dict[int, str]:
    """The reply address of each member for the meeting. Empty when replies by mail are
    off."""
    if not current_app.config.get("REPLY_DOMAIN") or not user_ids:
        return {}
    rows = tokens_for(meeting_id, user_ids, purpose)
    return {user_id: address_of(row) for user_id, row in rows.items()}


def existing_tokens(meeting_id: int, user_ids: list[int],
                    purpose: TokenPurpose = TokenPurpose.INPUT) -> dict[int, ReplyToken]:
    return {row.user_id: row for row in db.session.scalars(select(ReplyToken).where(
        ReplyToken.meeting_id == meeting_id, ReplyToken.user_id.in_(user_ids),
        ReplyToken.purpose == purpose))}


def reply_address(meeting_id: int, user_id: int,
                  purpose: TokenPurpose = TokenPurpose.INPUT) -> str | None:
    return reply_addresses(meeting_id, [user_id], purpose).get(user_id)


def reply_to_header(meeting_id: int, user_id: int,
                    purpose: TokenPurpose = TokenPurpose.INPUT) -> dict[str, str]:
    """{"Reply-To": address} for an outbox message's headers, or {} when off."""
    address = reply_address(meeting_id, user_id, purpose)
    return {"Reply-To": address} if address else {}


def token_for(local_part: str | None) -> ReplyToken | None:
    """The token row a reply address names (a revoked token names none). A "+tag"
    before the token is allowed (plus addressing)."""
    if not local_part:
        return None
    token = local_part.rsplit("+", 1)[-1]
    return db.session.scalar(select(ReplyToken).where(ReplyToken.token_hash == hash_of(token)))


def revoke(row: ReplyToken) -> None:
    """Replies to the current address are held from now on (it names no member); the
    next mail about the meeting carries a new one."""
    row.revoked_at = utcnow()
    row.nonce = secrets.token_hex(16)
    row.token_hash = hash_of(token_of(row.nonce))


def addresses_of(rows: dict[int, ReplyToken]) -> dict[int, str]:
    """The reply addresses of token rows (tokens_for); empty when replies are off."""
    if not current_app.config.get("REPLY_DOMAIN"):
        return {}
    return {user_id: address_of(row) for user_id, row in rows.items()}


def link_of(row: ReplyToken, item_id: int | None = None) -> str:
    """The personal link into the meeting (consult.permissions.link_access), to one of
    its items when `item_id` is given."""
    extra = {"punt": item_id} if item_id else {}
    return external_url("links.open", token_id=row.id, token=row.link_token, **extra)


def links_of(row: ReplyToken, item_ids) -> tuple[str, dict[int, str]]:
    """The personal link into the meeting and one per item, as link_of gives them; the
    token signed and the URL built once (a fan-out makes these for every member)."""
    meeting = link_of(row)
    return meeting, {item_id: f"{meeting}?{urlencode({'punt': item_id})}"
                     for item_id in item_ids}


def meeting_links(meeting_id: int, user_ids: list[int]) -> dict[int, ReplyToken]:
    """The token rows that sign each member's links into the meeting (made where
    missing): pass a row to link_of."""
    return tokens_for(meeting_id, user_ids, TokenPurpose.INPUT)


def revoke_all(user_id: int) -> int:
    """The member's reply addresses and links of every meeting stop working at once."""
    rows = db.session.scalars(select(ReplyToken).where(ReplyToken.user_id == user_id)).all()
    for row in rows:
        revoke(row)
    return len(rows)
