"""Who may do what: one function per permission, used both to hide a button in a
template and to guard the route."""

from functools import wraps

from flask import abort
from flask_login import current_user

from consult.accounts.models import Role, User


def _is_active_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_manage_members(user: User) -> bool:
    return _is_active_user(user) and user.role == Role.ADMIN


def can_manage_bodies(user: User) -> bool:
    return _is_active_user(user) and user.role == Role.ADMIN


def can_change_member(user: User, member: User) -> bool:
    """Admins manage members, but never lock themselves out."""
    return can_manage_members(user) and user.id != member.id


def is_body_delegate(user: User, body) -> bool:
    return _is_active_user(user) and any(delegate.id == user.id for delegate in body.delegates)


def can_manage_meetings(user: User, body) -> bool:
    """Create, edit and publish the meetings of a body: its delegates, and admins."""
    return _is_active_user(user) and (user.role == Role.ADMIN or is_body_delegate(user, body))


def can_create_meetings(user: User) -> bool:
    """Delegates (of some body) and admins see the "new meeting" action."""
    return _is_active_user(user) and user.role in (Role.ADMIN, Role.DELEGATE)


def can_view_meeting(user: User, meeting) -> bool:
    """Published meetings are open to every member; drafts to those who manage them."""
    if not _is_active_user(user):
        return False
    return meeting.published_at is not None or can_manage_meetings(user, meeting.body)


def can_view_attachment(user: User, attachment) -> bool:
    """Confidential (vertrouwelijk) attachments: the body's delegates and admins only."""
    meeting = attachment.item.meeting
    if not can_view_meeting(user, meeting):
        return False
    return not attachment.confidential or can_manage_meetings(user, meeting.body)


def in_constituency(user: User, body) -> bool:
    """Whether the body asks this member for input (its organisations and regions)."""
    if user.organisation not in body.organisations:
        return False
    return not body.regions or any(region.id == user.region_id for region in body.regions)


def is_asked_for_input(user: User, item) -> bool:
    """A member of the body's constituency (or its delegate or an admin), on an item that
    asks for input, of a published meeting: whatever the time."""
    meeting = item.meeting
    if not _is_active_user(user) or meeting.published_at is None or meeting.cancelled_at:
        return False
    if not item.open_for_input:
        return False
    return in_constituency(user, meeting.body) or can_manage_meetings(user, meeting.body)


def can_comment(user: User, item, now=None) -> bool:
    """Give input: asked for it, and before the deadline."""
    from consult.database import utcnow

    return is_asked_for_input(user, item) and (now or utcnow()) < item.meeting.input_deadline


def can_change_comment(user: User, comment, now=None) -> bool:
    """Edit or withdraw: only who wrote it (or the delegate who entered it), until the
    deadline."""
    from consult.database import utcnow

    if not _is_active_user(user) or comment.withdrawn_at is not None:
        return False
    owner = comment.entered_by_id or comment.author_id
    if owner != user.id:
        return False
    return (now or utcnow()) < comment.item.meeting.input_deadline


def can_see_all_input(user: User, meeting) -> bool:
    """Delegates always see all input; members only when the body allows it."""
    return can_manage_meetings(user, meeting.body) or (
        _is_active_user(user) and meeting.body.members_see_each_other)


def can_view_participation(user: User, meeting) -> bool:
    """Delegates (and admins) see everyone; regional chairs see their own region."""
    return can_manage_meetings(user, meeting.body) or (
        _is_active_user(user) and user.chairs_region_id is not None
        and meeting.published_at is not None)


def can_manage_reminders(user: User, body) -> bool:
    """Edit a body's reminder rules and see the reminders and mail of its meetings: the
    body's delegates, and admins."""
    return can_manage_meetings(user, body)


PERMISSIONS = {
    "manage_members": can_manage_members,
    "manage_bodies": can_manage_bodies,
    "change_member": can_change_member,
    "manage_meetings": can_manage_meetings,
    "create_meetings": can_create_meetings,
    "view_meeting": can_view_meeting,
    "view_attachment": can_view_attachment,
    "comment": can_comment,
    "change_comment": can_change_comment,
    "view_participation": can_view_participation,
    "manage_reminders": can_manage_reminders,
}


def can(permission: str, *args) -> bool:
    """For templates: `{% if can("manage_members") %}`."""
    return PERMISSIONS[permission](current_user, *args)


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
