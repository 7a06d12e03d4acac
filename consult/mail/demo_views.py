"""Mail you can see in the demo (as letter_opener does for Rails): in demo mode only
(DEMO), a page lists what the app sent, from the outbox, and shows one message with its
links clickable, so a newcomer follows a login link or a reminder without opening .eml
files. Outside demo mode every route here is a 404."""

import re

from flask import Blueprint, abort, current_app
from markupsafe import Markup, escape
from sqlalchemy import select

from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.pages import render_page

bp = Blueprint("demo_mail", __name__, url_prefix="/demo/mail")

PAGE_SIZE = 100
URL = re.compile(r"https?://[^\s<>\"']+")


@bp.before_request
def demo_only():
    if not current_app.config.get("DEMO"):
        abort(404)


def linked(text: str) -> Markup:
    """The plain-text body, escaped, with its URLs as links."""
    parts, last = [], 0
    for match in URL.finditer(text):
        url = match.group(0).rstrip(".,;:)")
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = match.start() + len(url)
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


@bp.get("")
def index():
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                                  .limit(PAGE_SIZE)).all()
    return render_page("demo/mail.html", messages=messages, title="Verzonden mail (demo)")


@bp.get("/<int:message_id>")
def message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_page("demo/mail_message.html", message=message, body=linked(message.body_text),
                       title=message.subject)
