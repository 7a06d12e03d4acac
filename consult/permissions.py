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


PERMISSIONS = {
    "manage_members": can_manage_members,
    "manage_bodies": can_manage_bodies,
    "change_member": can_change_member,
    "manage_meetings": can_manage_meetings,
    "create_meetings": can_create_meetings,
    "view_meeting": can_view_meeting,
    "view_attachment": can_view_attachment,
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
