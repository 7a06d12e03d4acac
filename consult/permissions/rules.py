"""One `can_*` per action, taking the user and the object: templates call them through
`can("action", obj)` to hide a button, views, services and the loaders to guard.

The rule "whom a body asks for input" (its constituency) is consult/meetings/constituency.py.
"""

from functools import wraps

from flask import abort
from flask_login import current_user

from consult.accounts.models import MemberAddress, Role, User
from consult.database import utcnow
from consult.extensions import db
from consult.mail.inbound_models import InboundMessage
from consult.meetings.constituency import (
    in_constituency,
)
from consult.meetings.models import (
    AgendaItem,
    Attachment,
    Body,
    Meeting,
)
from consult.meetings.status import MeetingStatus, meeting_status
from consult.permissions.link_access import link_meeting_id
from consult.statements.models import StatementStatus

# --- roles ------------------------------------------------------------------------


def _is_active_user(user) -> bool:
    """Logged in and active. A member who came in by a meeting's link is not: every right
    beyond giving input on that meeting needs a login (acts_on)."""
    return bool(user and user.is_authenticated and user.is_active
                and link_meeting_id(user) is None)


def acts_on(user, meeting: Meeting) -> bool:
    """Logged in, or came in by the personal link of this meeting (as a member: no role's
    rights come with a link)."""
    if link_meeting_id(user) is not None:
        return bool(user.is_active and link_meeting_id(user) == meeting.id)
    return _is_active_user(user)


def can_manage_members(user: User, member: User | None = None) -> bool:
    """Admins manage members (`member`: for `member_for`; any member)."""
    return _is_active_user(user) and user.role == Role.ADMIN


def can_manage_bodies(user: User, body: Body | None = None) -> bool:
    """Admins manage bodies (`body`: for `body_for`; any body)."""
    return _is_active_user(user) and user.role == Role.ADMIN


def can_manage_login_providers(user: User, provider=None) -> bool:
    """Admins set up the organisation logins (OpenID Connect providers)."""
    return _is_active_user(user) and user.role == Role.ADMIN


def can_manage_address(user: User, address: MemberAddress) -> bool:
    """A member's extra addresses: the member, on the account page."""
    return _is_active_user(user) and address.user_id == user.id


def can_change_member(user: User, member: User) -> bool:
    """Admins manage members, but never lock themselves out."""
    return can_manage_members(user) and user.id != member.id


def can_anonymise_member(user: User, member: User) -> bool:
    """AVG: admins anonymise a former (deactivated) member, once."""
    return (can_change_member(user, member) and not member.active
            and member.anonymised_at is None)


def can_reactivate_member(user: User, member: User) -> bool:
    """An anonymised former member has no name or address left to come back with."""
    return can_manage_members(user) and member.anonymised_at is None


def can_download_own_data(user: User) -> bool:
    """AVG: every member downloads what is stored about them, and only about them."""
    return _is_active_user(user)


def is_body_delegate(user: User, body: Body) -> bool:
    """Rights follow role and membership together: a delegate the admin made a member
    again keeps her place on the body's list, but none of its rights."""
    return (_is_active_user(user) and user.role == Role.DELEGATE
            and any(delegate.id == user.id for delegate in body.delegates))


def can_manage_meetings(user: User, body: Body) -> bool:
    """Create, edit and publish the meetings of a body: its delegates, and admins."""
    return _is_active_user(user) and (user.role == Role.ADMIN or is_body_delegate(user, body))


def can_create_meetings(user: User) -> bool:
    """Delegates (of some body) and admins see the "new meeting" action."""
    return _is_active_user(user) and user.role in (Role.ADMIN, Role.DELEGATE)


# --- meetings ------------------------------------------------------------------------


def can_view_meeting(user: User, meeting: Meeting) -> bool:
    """Published meetings are open to every member; drafts to those who manage them."""
    if not acts_on(user, meeting):
        return False
    return meeting.published_at is not None or can_manage_meetings(user, meeting.body)


def is_read_only(meeting: Meeting) -> bool:
    """Held meetings are read-only: the agenda no longer changes."""
    return meeting_status(meeting) in (MeetingStatus.HELD, MeetingStatus.DONE)


def can_change_agenda(user: User, meeting: Meeting) -> bool:
    return can_manage_meetings(user, meeting.body) and not is_read_only(meeting)


def can_import_report(user: User, meeting: Meeting) -> bool:
    """A past report (statements and outcomes) into a meeting whose day has come: the
    body's delegates."""
    return (can_manage_meetings(user, meeting.body) and meeting.cancelled_at is None
            and meeting.starts_at <= utcnow())


def can_import_into(user: User, meeting: Meeting) -> bool:
    """The import page: an agenda while it may change, a report once the meeting is held."""
    return can_change_agenda(user, meeting) or can_import_report(user, meeting)


def can_consolidate(user: User, meeting: Meeting) -> bool:
    """The workspace, statements and outcomes: the body's delegates, once published."""
    return can_manage_meetings(user, meeting.body) and meeting.published_at is not None


def can_consolidate_item(user: User, item: AgendaItem) -> bool:
    return can_consolidate(user, item.meeting) and item.asks_input


def can_export(user: User, meeting: Meeting) -> bool:
    """Exports hold every input with names: the body's delegates and admins."""
    return can_manage_meetings(user, meeting.body)


def can_manage_reminders(user: User, body: Body) -> bool:
    """Edit a body's reminder rules and see the reminders and mail of its meetings: the
    body's delegates, and admins."""
    return can_manage_meetings(user, body)


def can_see_meeting_mail(user: User, meeting: Meeting) -> bool:
    return can_manage_reminders(user, meeting.body)


def can_see_failed_mail(user: User) -> bool:
    """Every failed or held message of every kind, and resending it: admins."""
    return can_manage_members(user)


def can_see_status(user: User) -> bool:
    """The scheduler's ticks and the counts of mail and jobs (beheer: status): admins."""
    return can_manage_members(user)


def can_view_attachment(user: User, attachment: Attachment) -> bool:
    """Confidential (vertrouwelijk) attachments: the body's delegates and admins only."""
    meeting = attachment.item.meeting
    if not can_view_meeting(user, meeting):
        return False
    return not attachment.confidential or can_manage_meetings(user, meeting.body)


def can_manage_attachments(user: User, item: AgendaItem) -> bool:
    return can_manage_meetings(user, item.meeting.body)


# --- input -------------------------------------------------------------------------


def is_asked_on_meeting(user: User, meeting: Meeting) -> bool:
    """The meeting's part of being asked for input: a member of the body's constituency
    (or its delegate or an admin), of a published meeting, whatever the time."""
    if not acts_on(user, meeting) or meeting.published_at is None or meeting.cancelled_at:
        return False
    return in_constituency(user, meeting.body) or can_manage_meetings(user, meeting.body)


def is_asked_for_input(user: User, item: AgendaItem) -> bool:
    """Asked on the item's meeting, on an item that asks for input."""
    return item.open_for_input and is_asked_on_meeting(user, item.meeting)


def is_asked_for_meeting(user: User, meeting: Meeting) -> bool:
    """Asked for input on at least one item: "geen inbreng" for the whole meeting."""
    return any(item.open_for_input for item in meeting.items) and is_asked_on_meeting(user, meeting)


def can_comment(user: User, item: AgendaItem, now=None) -> bool:
    """Give input: asked for it, and before the deadline."""
    return is_asked_for_input(user, item) and (now or utcnow()) < item.meeting.input_deadline


def commentable_items(user: User, meeting: Meeting, now=None) -> set[int]:
    """The ids of the items of `meeting` for which `can_comment` holds, its meeting's part
    checked once (the meeting page asks it for every item)."""
    if not is_asked_on_meeting(user, meeting) or (now or utcnow()) >= meeting.input_deadline:
        return set()
    return {item.id for item in meeting.items if item.open_for_input}


def owns_comment(user: User, comment) -> bool:
    """Who wrote it, or the delegate who entered it on the author's behalf ("namens")."""
    # The ids first: a page asks this for every input, and most are someone else's.
    return (user.id in (comment.author_id, comment.entered_by_id)
            and acts_on(user, comment.item.meeting))


def can_change_comment(user: User, comment, now=None) -> bool:
    """Edit or withdraw: its author, or the delegate who entered it on the author's
    behalf, until the deadline."""
    if not owns_comment(user, comment) or comment.withdrawn_at is not None:
        return False
    return (now or utcnow()) < comment.item.meeting.input_deadline


def can_enter_on_behalf(user: User, item: AgendaItem) -> bool:
    """A delegate records input received by mail or phone."""
    return can_manage_meetings(user, item.meeting.body) and item.open_for_input


def can_see_all_input(user: User, meeting: Meeting) -> bool:
    """Delegates always see all input; members only when the body allows it."""
    return can_manage_meetings(user, meeting.body) or (
        acts_on(user, meeting) and meeting.body.members_see_each_other)


def can_view_participation(user: User, meeting: Meeting) -> bool:
    """Delegates (and admins) see everyone; regional chairs see their own region."""
    return can_manage_meetings(user, meeting.body) or (
        _is_active_user(user) and user.chairs_region_id is not None
        and meeting.published_at is not None)


def can_nudge(user: User, meeting: Meeting, member: User) -> bool:
    """Send one member a personal reminder: the delegates anyone of the constituency, a
    regional chair the members of their own region; only active members of the
    constituency, and only while the meeting is open for input."""
    if meeting_status(meeting) != MeetingStatus.OPEN or not member.active:
        return False
    if not in_constituency(member, meeting.body):
        return False
    if can_manage_meetings(user, meeting.body):
        return True
    return (can_view_participation(user, meeting)
            and member.region_id == user.chairs_region_id)


# --- statements and outcomes: the item page, the archive and the API -------------------


def can_view_statement(user: User, statement) -> bool:
    """A statement: once final, everyone who sees its meeting; before, the body's delegates
    (and admins) while they work on it."""
    meeting = statement.item.meeting
    return can_view_meeting(user, meeting) and (
        statement.status == StatementStatus.FINAL or can_manage_meetings(user, meeting.body))


def can_view_outcome(user: User, outcome) -> bool:
    """An outcome (Bespreking): once the meeting's outcomes are published, everyone who
    sees the meeting; before, the body's delegates."""
    meeting = outcome.item.meeting
    return can_view_meeting(user, meeting) and (
        meeting.outcomes_published_at is not None or can_manage_meetings(user, meeting.body))


def is_in_public_feed(meeting: Meeting) -> bool:
    """The body's public Atom feed (for the associations' websites, no login): a meeting
    once its outcomes are published (afgerond), not cancelled; of it only the final
    statements and the outcomes. Before then a statement is the position the delegate
    takes into the meeting, not yet for the outside world."""
    return (meeting.published_at is not None and meeting.cancelled_at is None
            and meeting.outcomes_published_at is not None)


# --- the read API: personal tokens ---------------------------------------------------


def can_manage_api_tokens(user: User) -> bool:
    """The API-tokens panel on the account page: delegates and admins."""
    return can_create_meetings(user)


def can_create_api_token(user: User, body: Body) -> bool:
    """A token reads one body: its delegates, and admins."""
    return can_manage_meetings(user, body)


def can_use_api_token(user: User, token) -> bool:
    """A token works while its owner may still make one for its body: a delegate taken
    off the body, made a member again or deactivated loses her tokens' access."""
    return token.user_id == user.id and can_create_api_token(user, token.body)


def can_revoke_api_token(user: User, token) -> bool:
    return _is_active_user(user) and token.user_id == user.id


def token_covers(token, body: Body) -> bool:
    """A token is for one body: what belongs to another is not reachable with it."""
    return token.body_id == body.id


# --- replies by mail: the delegate's inbox of held replies -----------------------------


def can_see_inbox(user: User) -> bool:
    return can_create_meetings(user)  # delegates and admins, each for their bodies


def can_handle_reply(user: User, message: InboundMessage) -> bool:
    """A reply about a meeting: its body's managers; one naming no meeting: admins."""
    meeting = db.session.get(Meeting, message.meeting_id) if message.meeting_id else None
    return can_manage_meetings(user, meeting.body) if meeting else can_manage_bodies(user)


# --- for templates and routes ---------------------------------------------------------

PERMISSIONS = {
    "manage_members": can_manage_members,
    "manage_bodies": can_manage_bodies,
    "change_member": can_change_member,
    "anonymise_member": can_anonymise_member,
    "reactivate_member": can_reactivate_member,
    "download_own_data": can_download_own_data,
    "manage_login_providers": can_manage_login_providers,
    "manage_address": can_manage_address,
    "manage_meetings": can_manage_meetings,
    "create_meetings": can_create_meetings,
    "view_meeting": can_view_meeting,
    "change_agenda": can_change_agenda,
    "import_report": can_import_report,
    "import_into": can_import_into,
    "consolidate": can_consolidate,
    "consolidate_item": can_consolidate_item,
    "export": can_export,
    "manage_reminders": can_manage_reminders,
    "see_meeting_mail": can_see_meeting_mail,
    "see_failed_mail": can_see_failed_mail,
    "see_status": can_see_status,
    "view_attachment": can_view_attachment,
    "manage_attachments": can_manage_attachments,
    "asked_for_input": is_asked_for_input,
    "asked_for_meeting": is_asked_for_meeting,
    "comment": can_comment,
    "own_comment": owns_comment,
    "change_comment": can_change_comment,
    "enter_on_behalf": can_enter_on_behalf,
    "see_all_input": can_see_all_input,
    "view_participation": can_view_participation,
    "nudge": can_nudge,
    "see_inbox": can_see_inbox,
    "handle_reply": can_handle_reply,
    "view_statement": can_view_statement,
    "view_outcome": can_view_outcome,
    "manage_api_tokens": can_manage_api_tokens,
    "create_api_token": can_create_api_token,
    "use_api_token": can_use_api_token,
    "revoke_api_token": can_revoke_api_token,
}


def can(permission: str, *args) -> bool:
    """For templates: `{% if can("manage_members") %}`. The rules get the user itself,
    not Flask-Login's proxy: every attribute read through the proxy looks the user up
    again (a page asks `can` for every item)."""
    return PERMISSIONS[permission](current_user._get_current_object(), *args)


def require(check):
    """Route guard: 403 unless `check(current_user)` holds (login is checked before)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
