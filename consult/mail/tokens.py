"""Reply tokens: the personal Reply-To address of a member for one meeting,
<token>@<REPLY_DOMAIN>. Off (no address) when REPLY_DOMAIN is not configured."""

import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import insert, select

from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import ReplyToken


def token_of(nonce: str) -> str:
    """Lowercase letters and digits (mail servers may fold the case of a local part):
    130 bits of an HMAC with SECRET_KEY."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), nonce.encode(),
                      hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower().rstrip("=")[:26]


def hash_of(token: str) -> str:
    return hashlib.sha256(token.strip().lower().encode()).hexdigest()


def address_of(row: ReplyToken) -> str:
    return f"{token_of(row.nonce)}@{current_app.config['REPLY_DOMAIN']}"


def reply_addresses(meeting_id: int, user_ids: list[int]) -> dict[int, str]:
    """The reply address of each member for the meeting (tokens made where missing: one
    query and one multi-row insert). Empty when replies by mail are off."""
    if not current_app.config.get("REPLY_DOMAIN") or not user_ids:
        return {}
    rows = existing_tokens(meeting_id, user_ids)
    missing = [user_id for user_id in dict.fromkeys(user_ids) if user_id not in rows]
    if missing:
        now = utcnow()
        fresh = []
        for user_id in missing:
            nonce = secrets.token_hex(16)
            fresh.append(dict(user_id=user_id, meeting_id=meeting_id, nonce=nonce,
                              token_hash=hash_of(token_of(nonce)), created_at=now))
        db.session.execute(insert(ReplyToken), fresh)
        rows.update(existing_tokens(meeting_id, missing))
    return {user_id: address_of(row) for user_id, row in rows.items()}


def existing_tokens(meeting_id: int, user_ids: list[int]) -> dict[int, ReplyToken]:
    return {row.user_id: row for row in db.session.scalars(select(ReplyToken).where(
        ReplyToken.meeting_id == meeting_id, ReplyToken.user_id.in_(user_ids)))}


def reply_address(meeting_id: int, user_id: int) -> str | None:
    return reply_addresses(meeting_id, [user_id]).get(user_id)


def reply_to_header(meeting_id: int, user_id: int) -> dict[str, str]:
    """{"Reply-To": address} for an outbox message's headers, or {} when off."""
    address = reply_address(meeting_id, user_id)
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
