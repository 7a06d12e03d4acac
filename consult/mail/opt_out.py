"""One-click unsubscribe (RFC 8058) from a kind of mail sent to many members that no
per-body preference covers: the terugkoppeling. The signed link names the member and
the kind; once used, queue_message queues no message of that kind for the member."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from consult.extensions import db
from consult.mail.models import MailOptOut

# Kinds a member can unsubscribe from with the link in the message itself, and what
# the confirmation page calls them.
OPT_OUT_KINDS = {"feedback": "terugkoppeling op uw inbreng"}

SALT = "consult.mail.opt-out"


def serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def opt_out_token(user_id: int, kind: str) -> str:
    return serializer().dumps([user_id, kind])


def read_opt_out_token(token: str) -> tuple[int, str] | None:
    try:
        value = serializer().loads(token)
    except BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or isinstance(value[0], bool) or value[1] not in OPT_OUT_KINDS):
        return None
    return value[0], value[1]


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: mail clients POST to the link."""
    return {"List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def opted_out(user_id: int | None, kind: str) -> bool:
    if user_id is None or kind not in OPT_OUT_KINDS:
        return False
    return db.session.scalar(select(MailOptOut.id).where(
        MailOptOut.user_id == user_id, MailOptOut.kind == kind)) is not None
