"""The member who came in by the personal link in a mail that asks for input: recognised
for that one meeting, with no session for anything else.

The link (`/toegang/<token id>/<token>`) names the member × meeting reply token and
carries the token's nonce signed for links (`ReplyToken.link_token`); revoking the token
gives it a new nonce, which voids the link. Opening it stores the pair in the session
cookie. On the pages a link opens (LINK_ENDPOINTS) Flask-Login's request loader turns
that pair into the member, marked with `link_meeting_id`; everywhere else the visitor is
anonymous and gets the login page. The rules in rules.py then allow a link principal
only what a member may do on that meeting (see `acts_on`)."""

import hmac
from dataclasses import dataclass
from datetime import datetime

from flask import Request, session

from consult.accounts.models import User
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import ReplyToken, TokenPurpose
from consult.meetings.models import Meeting

SESSION_KEY = "link_access"

# The pages a link opens: the meeting, its items and their attachments, and giving,
# changing and withdrawing input or geen inbreng there.
LINK_ENDPOINTS = frozenset({
    "meetings.meeting", "meetings.item", "attachments.download", "calendar.meeting_ics",
    "comments.give", "comments.late", "comments.edit", "comments.withdraw",
    "comments.no_input_item", "comments.undo_no_input_item",
    "comments.no_input_meeting", "comments.undo_no_input_meeting",
})


class LinkInvalid(Exception):
    """reason: "onbekend" (no such link, or revoked), "verlopen" (the meeting has
    begun); `user` is the member for an expired link, so the page can offer a login
    link to that address."""

    def __init__(self, reason: str, user: User | None = None):
        super().__init__(reason)
        self.reason = reason
        self.user = user


@dataclass(frozen=True)
class LinkGrant:
    token: ReplyToken
    user: User
    meeting: Meeting


def link_valid_until(meeting: Meeting) -> datetime:
    """Until the meeting begins: after that there is nothing left to give input on."""
    return meeting.starts_at


def check_link(token_id: int, token: str, now: datetime | None = None) -> LinkGrant:
    now = now or utcnow()
    row = db.session.get(ReplyToken, token_id) if 0 < token_id < 2**31 else None
    if (row is None or row.purpose != TokenPurpose.INPUT or not token or len(token) > 64
            or not hmac.compare_digest(row.link_token, token.strip().lower())):
        raise LinkInvalid("onbekend")
    user = db.session.get(User, row.user_id)
    meeting = db.session.get(Meeting, row.meeting_id)
    if not user.active:
        raise LinkInvalid("onbekend")
    if meeting.cancelled_at is not None or now >= link_valid_until(meeting):
        raise LinkInvalid("verlopen", user)
    return LinkGrant(row, user, meeting)


def remember_link(grant: LinkGrant, token: str) -> None:
    """The session cookie keeps the link (not a login: nothing on the server)."""
    session[SESSION_KEY] = [grant.token.id, token]


def forget_link() -> None:
    session.pop(SESSION_KEY, None)


def link_principal(request: Request) -> User | None:
    """Flask-Login's request loader: on a page a link opens, the member of the link the
    session holds (checked again on every request, so revoking works at once)."""
    value = session.get(SESSION_KEY)
    if request.endpoint not in LINK_ENDPOINTS or not value:
        return None
    try:
        grant = check_link(int(value[0]), str(value[1]))
    except (LinkInvalid, TypeError, ValueError, IndexError):
        return None
    grant.user.link_meeting_id = grant.meeting.id
    return grant.user


def is_link_principal(user) -> bool:
    return getattr(user, "link_meeting_id", None) is not None


def link_meeting_id(user) -> int | None:
    return getattr(user, "link_meeting_id", None)
