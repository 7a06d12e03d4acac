"""Secrets in stored bodies: a login link works for 15 minutes, so a copy of the
database (a backup, a support dump) must not hold one. Once its message is sent (or
has failed for good), the link is removed from the outbox row's bodies; what remains
says so."""

import re

from flask import current_app
from sqlalchemy import update

from consult.extensions import db
from consult.mail.models import OutboxMessage

REDACTED = "[inloglink verwijderd na verzending]"

# Per kind, the secrets its bodies hold. The login link's path is that of
# accounts.login_link (/inloggen/link/<token>).
SECRETS = {"login_link": re.compile(r"https?://[^\s\"'<>]*/inloggen/link/[A-Za-z0-9_\-]+")}

# Kinds that are never sent again by hand: their link has expired or will soon, and a
# member simply asks for a new one.
NOT_RESENDABLE = {"login_link": "Een inloglink verloopt: het lid vraagt een nieuwe aan."}


def redacted(kind: str, text: str) -> str:
    pattern = SECRETS.get(kind)
    return pattern.sub(REDACTED, text) if pattern and text else text


def needs_redaction(message: OutboxMessage) -> bool:
    # The demo's mail page (demo_views) shows the links to follow; its database holds
    # demo accounts only.
    return message.kind in SECRETS and not current_app.config.get("DEMO")


def redact_sent(message: OutboxMessage) -> None:
    """Remove the secrets from a row that left delivery for good (in the caller's
    transaction)."""
    if not needs_redaction(message):
        return
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message.id)
        .values(body_text=redacted(message.kind, message.body_text),
                body_html=redacted(message.kind, message.body_html))
        .execution_options(synchronize_session=False))
