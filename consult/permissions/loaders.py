"""One loader per object (`meeting_for(action, id)`, `item_for(action, id)`, …): 404 when
the object does not exist, 403 when the `can_*` of the action says no."""


from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from consult.accounts.models import MemberAddress, Role, User
from consult.accounts.oidc_models import OidcProvider
from consult.comments.models import Comment
from consult.exports.models import ExportJob
from consult.extensions import db, login_manager
from consult.mail.inbound_models import InboundMessage
from consult.meetings.models import (
    AgendaItem,
    Attachment,
    Body,
    Meeting,
)
from consult.permissions.link_access import is_link_principal
from consult.permissions.rules import PERMISSIONS, is_read_only
from consult.reminders.models import ReminderRule
from consult.statements.models import StatementRevision


def _allow(action: str, *args) -> None:
    if not PERMISSIONS[action](current_user, *args):
        if is_link_principal(current_user):
            # A meeting's link opens nothing else: log in for the rest.
            abort(login_manager.unauthorized())
        abort(403)


# --- loaders: 404 when missing, 403 when not allowed --------------------------------------

def _body_options(delegates: bool) -> tuple:
    """A body's organisations and regions are a few rows each: joined into the query
    that loads the body (one statement fewer per page each). Its delegates in one more,
    only for those whose pages read them: a member's rights are decided by her role
    before the list is read (`is_body_delegate`)."""
    options = (joinedload(Body.organisation_rows), joinedload(Body.regions))
    return options + (selectinload(Body.delegates),) if delegates else options


# The loaders of the pages members load most, built once at import (composing a select
# with its loader options costs as much as a small query), with and without delegates.
_MEETING_AGENDA = {delegates: select(Meeting).where(Meeting.id == bindparam("meeting_id"))
                   .options(joinedload(Meeting.body).options(*_body_options(delegates)),
                            selectinload(Meeting.items))
                   for delegates in (False, True)}
_MEETING = {delegates: statement.options(
    selectinload(Meeting.items).joinedload(AgendaItem.attachments))
    for delegates, statement in _MEETING_AGENDA.items()}
_ITEM = {delegates: select(AgendaItem).where(AgendaItem.id == bindparam("item_id")).options(
    joinedload(AgendaItem.attachments),
    joinedload(AgendaItem.meeting).joinedload(Meeting.body).options(*_body_options(delegates)))
    for delegates in (False, True)}


def _reads_delegates() -> bool:
    return getattr(current_user, "role", None) in (Role.DELEGATE, Role.ADMIN)


class ReadOnly(Exception):
    """A change to the agenda of a held meeting: answered with a message, not a 403."""

    def __init__(self, meeting_id: int):
        super().__init__(meeting_id)
        self.meeting_id = meeting_id


def _check_meeting(action: str, meeting: Meeting) -> Meeting:
    _allow("view_meeting", meeting)
    if action == "change_agenda":
        _allow("manage_meetings", meeting.body)
        if is_read_only(meeting):
            raise ReadOnly(meeting.id)
    elif action != "view_meeting":
        _allow(action, meeting)
    return meeting


def meeting_for(action: str, meeting_id: int, attachments: bool = True) -> Meeting:
    """The meeting with its body and agenda, for `action` (a key of PERMISSIONS that
    takes a meeting, or "change_agenda"); the items' attachments too, unless a page
    that never shows them says so."""
    statement = (_MEETING if attachments else _MEETING_AGENDA)[_reads_delegates()]
    meeting = db.session.scalars(statement, {"meeting_id": meeting_id}).unique().first()
    if meeting is None:
        abort(404)
    return _check_meeting(action, meeting)


def item_for(action: str, item_id: int) -> AgendaItem:
    """The item with its meeting and body, for `action`: "view_meeting" and
    "change_agenda" are checked on its meeting, the rest on the item."""
    item = db.session.scalars(_ITEM[_reads_delegates()], {"item_id": item_id}).unique().first()
    if item is None:
        abort(404)
    if action in ("view_meeting", "change_agenda", "consolidate", "export"):
        _check_meeting(action, item.meeting)
    else:
        _allow("view_meeting", item.meeting)
        _allow(action, item)
    return item


def body_for(action: str, body_id: int) -> Body:
    body = db.get_or_404(Body, body_id)
    _allow(action, body)
    return body


def rule_for(action: str, rule_id: int) -> ReminderRule:
    """A reminder rule, for `action` (e.g. "manage_reminders") on its body."""
    rule = db.get_or_404(ReminderRule, rule_id)
    _allow(action, rule.body)
    return rule


def attachment_for(action: str, attachment_id: int) -> Attachment:
    """"view_attachment" on the attachment, "manage_attachments" on its item."""
    attachment = db.get_or_404(Attachment, attachment_id)
    if action == "view_attachment":
        _allow(action, attachment)
    else:
        item_for(action, attachment.item_id)
    return attachment


def job_for(action: str, job_id: int) -> ExportJob:
    """An export job, for `action` ("export") on its meeting: the job's meeting decides."""
    job = db.get_or_404(ExportJob, job_id)
    _check_meeting(action, job.meeting)
    return job


def login_provider_for(action: str, provider_id: int) -> OidcProvider:
    provider = db.get_or_404(OidcProvider, provider_id)
    _allow(action, provider)
    return provider


def member_for(action: str, member_id: int) -> User:
    member = db.get_or_404(User, member_id)
    _allow(action, member)
    return member


def address_for(action: str, address_id: int) -> MemberAddress:
    """A member's extra address, for `action` ("manage_address")."""
    address = db.get_or_404(MemberAddress, address_id)
    _allow(action, address)
    return address


def comment_for(action: str, comment_id: int) -> Comment:
    """A live comment (404 once withdrawn), for `action`: "own_comment" and
    "change_comment" are checked on the comment, the rest on its item."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.withdrawn_at is not None:
        abort(404)
    on_comment = action in ("own_comment", "change_comment")
    item_for("view_meeting" if on_comment else action, comment.item_id)
    if on_comment:
        _allow(action, comment)
    return comment


def revision_for(action: str, revision_id: int) -> StatementRevision:
    """A statement revision, for `action` on the statement's item."""
    revision = db.get_or_404(StatementRevision, revision_id)
    item_for(action, revision.statement.item_id)
    return revision


def inbound_for(action: str, message_id: int) -> InboundMessage:
    """A received reply, for `action` ("handle_reply")."""
    message = db.get_or_404(InboundMessage, message_id)
    _allow(action, message)
    return message
