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


PERMISSIONS = {
    "manage_members": can_manage_members,
    "manage_bodies": can_manage_bodies,
    "change_member": can_change_member,
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
