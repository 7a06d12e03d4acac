"""Who responded to a meeting (for the delegates and the regional chairs), and the
personal reminder ("herinnering") a chair or delegate sends one member."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.accounts.models import Region, User
from consult.comments.models import Comment, NoInput
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.mail.services import queue_message
from consult.mail.tokens import addresses_of, link_of, meeting_links
from consult.meetings.constituency import constituency_query
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.services import meeting_title
from consult.meetings.status import MeetingStatus, meeting_status
from consult.permissions import can_manage_meetings

RESPONSE_LABELS = {"input": "inbreng", "no_input": "geen inbreng", "none": "nog niets"}


@dataclass
class MemberResponse:
    user: User
    per_item: dict[int, str]  # item id -> "input" | "no_input" | "none"

    @property
    def overall(self) -> str:
        states = set(self.per_item.values())
        if "input" in states:
            return "input"
        if states and states <= {"no_input"}:
            return "no_input"
        return "none" if "none" in states or not states else "no_input"


@dataclass
class Participation:
    items: list[AgendaItem]
    members: list[MemberResponse]
    regions: list[str] = field(default_factory=list)

    def count(self, item_id: int, state: str) -> int:
        return sum(1 for m in self.members if m.per_item.get(item_id) == state)

    def region_share(self, region: str, item_id: int) -> tuple[int, int]:
        """(responded, members) of a region on an item."""
        members = [m for m in self.members if region_name(m.user) == region]
        responded = sum(1 for m in members if m.per_item.get(item_id) != "none")
        return responded, len(members)

    def grouped(self) -> dict[str, dict[str, list[MemberResponse]]]:
        """organisation -> region -> members."""
        groups: dict[str, dict[str, list[MemberResponse]]] = defaultdict(lambda: defaultdict(list))
        for member in self.members:
            groups[member.user.organisation.value][region_name(member.user)].append(member)
        return {org: dict(sorted(regions.items())) for org, regions in sorted(groups.items())}


def region_name(user: User) -> str:
    return user.region.name if user.region else "Geen regio"


def region_for(user: User, meeting: Meeting) -> Region | None:
    """Whose participation a user sees: the delegates the whole constituency (None), a
    regional chair the own region."""
    return None if can_manage_meetings(user, meeting.body) else user.chairs_region


def nudges_open(meeting: Meeting) -> bool:
    """A reminder only makes sense while input can still be given."""
    return meeting_status(meeting) == MeetingStatus.OPEN


def participation(meeting: Meeting, region: Region | None = None) -> Participation:
    """Who responded to what, for the constituency (or one region of it): four queries."""
    items = [item for item in meeting.items if item.open_for_input]
    item_ids = [item.id for item in items]
    query = constituency_query(meeting.body).options(selectinload(User.region))
    if region is not None:
        query = query.where(User.region_id == region.id)
    users = db.session.scalars(query).all()
    user_ids = [user.id for user in users]
    commented = set(db.session.execute(
        select(Comment.author_id, Comment.item_id).where(
            Comment.item_id.in_(item_ids), Comment.author_id.in_(user_ids),
            Comment.withdrawn_at.is_(None))).all())
    no_inputs = db.session.execute(
        select(NoInput.user_id, NoInput.item_id).where(
            NoInput.meeting_id == meeting.id, NoInput.user_id.in_(user_ids))).all()
    whole = {user_id for user_id, item_id in no_inputs if item_id is None}
    per_item_no = {(user_id, item_id) for user_id, item_id in no_inputs if item_id is not None}
    members = []
    for user in users:
        states = {}
        for item_id in item_ids:
            if (user.id, item_id) in commented:
                states[item_id] = "input"
            elif user.id in whole or (user.id, item_id) in per_item_no:
                states[item_id] = "no_input"
            else:
                states[item_id] = "none"
        members.append(MemberResponse(user=user, per_item=states))
    regions = sorted({region_name(user) for user in users})
    return Participation(items=items, members=members, regions=regions)


def nudge(chair: User, meeting: Meeting, member: User) -> bool:
    """A regional chair (or a delegate) reminds a member; at most once per member per
    meeting (the outbox key says so). Returns False when it was sent before. Who may:
    permissions.can_nudge."""
    key = f"nudge:{meeting.id}:{member.id}"
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return False
    title = meeting_title(meeting)
    token = meeting_links(meeting.id, [member.id])[member.id]
    address = addresses_of({member.id: token}).get(member.id)
    queue_message(
        kind="nudge",
        recipient=member.email,
        user_id=member.id,
        subject=f"Herinnering van uw regiovoorzitter: {title}",
        template="nudge",
        context={"user": member, "chair": chair, "meeting": meeting, "title": title,
                 "url": link_of(token),  # recognised for this meeting only
                 "reply_address": address, "open_items": [
                     item for item in meeting.items if item.open_for_input]},
        idempotency_key=key,
        headers={"Reply-To": address} if address else None,
    )
    return True


def nudged_member_ids(meeting: Meeting) -> set[int]:
    keys = db.session.scalars(select(OutboxMessage.idempotency_key).where(
        OutboxMessage.idempotency_key.like(f"nudge:{meeting.id}:%"))).all()
    return {int(key.rsplit(":", 1)[1]) for key in keys}
