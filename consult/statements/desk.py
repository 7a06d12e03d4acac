"""The delegate's home ("the desk"): per meeting she delegates for, the phase and the next
actions, and the figures of participation; a regional chair sees the same for the own
region. Every figure for every meeting comes from a fixed number of queries."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, literal, or_, select, union_all, update
from sqlalchemy.orm import joinedload, selectinload

from consult.accounts.models import Region, Role, User
from consult.comments.models import Comment, NoInput
from consult.comments.services import responses as comment_responses
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.constituency import my_bodies_query
from consult.meetings.models import AgendaItem, Body, Meeting, body_delegate
from consult.meetings.status import MeetingStatus, meeting_status
from consult.pages import local_time
from consult.permissions import can_manage_meetings
from consult.statements.models import DeskVisit, Outcome, Statement, StatementStatus

# Held meetings stay on the desk until their terugkoppeling is sent, at most this long.
HELD_ON_DESK = timedelta(days=60)
# Participation over time: the last days up to the deadline.
DAYS_SHOWN = 21


@dataclass
class Action:
    """One next step, a link to where the work is (endpoint with the meeting's id)."""

    text: str
    endpoint: str
    urgent: bool = False


@dataclass
class Response:
    """One input or "geen inbreng" (item None: the whole meeting) of a meeting."""

    item_id: int | None
    at: datetime
    author_id: int
    region: str
    late: bool = False
    is_input: bool = True


@dataclass
class DeskRow:
    meeting: Meeting
    role: str  # "gedelegeerde" | "regiovoorzitter"
    status: MeetingStatus
    region: Region | None = None
    actions: list[Action] = field(default_factory=list)
    items: list[AgendaItem] = field(default_factory=list)
    per_day: list[tuple[date, int]] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    grid: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def grid_max(self) -> int:
        return max(self.grid.values(), default=0)


def desk_meetings(user: User, now: datetime) -> list[tuple[Meeting, str, datetime | None]]:
    """The meetings on the desk with the user's role there and her last visit: those of
    the bodies she delegates for (held ones until their outcomes are published), and for a
    regional chair the published meetings of the bodies that ask the region for input."""
    if user.role == Role.MEMBER and user.chairs_region_id is None:
        return []  # delegates for nothing, chairs nothing: most of the home page's visitors
    delegated = select(body_delegate.c.body_id).where(body_delegate.c.user_id == user.id)
    conditions = [Meeting.body_id.in_(delegated)]
    if user.chairs_region_id is not None:
        conditions.append(Meeting.body_id.in_(my_bodies_query(user))
                          & Meeting.published_at.is_not(None))
    visit = (DeskVisit.meeting_id == Meeting.id) & (DeskVisit.user_id == user.id)
    rows = db.session.execute(
        select(Meeting, DeskVisit.seen_at).outerjoin(DeskVisit, visit).where(
            or_(*conditions), Meeting.cancelled_at.is_(None),
            (Meeting.ends_at > now - timedelta(days=1))
            | (Meeting.outcomes_published_at.is_(None) & (Meeting.ends_at > now - HELD_ON_DESK)))
        .options(joinedload(Meeting.body).joinedload(Body.delegates),
                 selectinload(Meeting.items))
        .order_by(Meeting.starts_at)).unique().all()
    result = []
    for meeting, seen_at in rows:
        # The rule itself, not the list: a delegate made a member again stays on it.
        if can_manage_meetings(user, meeting.body):
            result.append((meeting, "gedelegeerde", seen_at))
        elif user.chairs_region_id is not None and meeting.ends_at > now - timedelta(days=1):
            result.append((meeting, "regiovoorzitter", seen_at))
    return result


def desk_rows(user: User, now: datetime | None = None, meetings=None,
              counts: dict[int, "MeetingCounts"] | None = None) -> list[DeskRow]:
    """The desk: one row per meeting, with its actions and figures (a fixed number of
    queries, whatever the number of meetings, items and inputs). `meetings` and `counts`:
    what the home page already loaded (desk_meetings, meeting_counts)."""
    now = now or utcnow()
    meetings = desk_meetings(user, now) if meetings is None else meetings
    if not meetings:
        return []
    region = user.chairs_region
    # A delegate sees everyone's responses; as a chair (of another body) the region's.
    responses = meeting_responses([m.id for m, role, _ in meetings if role == "gedelegeerde"],
                                  [m.id for m, role, _ in meetings if role == "regiovoorzitter"],
                                  region)
    if counts is None:
        counts = meeting_counts(user, [meeting.id for meeting, _, _ in meetings])
    rows = []
    for meeting, role, seen_at in meetings:
        row = DeskRow(meeting=meeting, role=role, status=meeting_status(meeting, now),
                      region=region if role == "regiovoorzitter" else None,
                      items=[item for item in meeting.items if item.open_for_input])
        mine = responses.get(meeting.id, [])
        fill_figures(row, mine, now)
        count = counts.get(meeting.id, MeetingCounts())
        row.actions = next_actions(row, mine, seen_at, now, count.finals, count.outcomes)
        rows.append(row)
    return rows


def record_visit(user: User, meeting: Meeting) -> None:
    """The delegate opened the workspace (a chair: the participation page) now."""
    # One UPDATE on every visit but the first (the workspace's statement budget).
    seen = db.session.execute(
        update(DeskVisit).where(DeskVisit.user_id == user.id, DeskVisit.meeting_id == meeting.id)
        .values(seen_at=utcnow()).execution_options(synchronize_session=False))
    if seen.rowcount == 0:
        db.session.add(DeskVisit(user_id=user.id, meeting_id=meeting.id, seen_at=utcnow()))


@dataclass(frozen=True)
class MeetingCounts:
    asked: int = 0  # items asking for input
    responded: int = 0  # of those, the ones this user responded to
    finals: int = 0  # items with a final statement
    outcomes: int = 0  # items with an outcome


def _counts_statement():
    mine = select(comment_responses(bindparam("meeting_ids", expanding=True),
                                    bindparam("user_id")).c.item_id)
    asks = AgendaItem.asks_input.is_(True)
    return (
        select(AgendaItem.meeting_id, func.count(AgendaItem.id.distinct()).filter(asks),
               func.count(AgendaItem.id.distinct()).filter(asks & AgendaItem.id.in_(mine)),
               func.count(Statement.id.distinct()).filter(
                   Statement.status == StatementStatus.FINAL),
               func.count(Outcome.id.distinct()))
        .outerjoin(Statement, Statement.item_id == AgendaItem.id)
        .outerjoin(Outcome, Outcome.item_id == AgendaItem.id)
        .where(AgendaItem.meeting_id.in_(bindparam("meeting_ids", expanding=True)),
               AgendaItem.withdrawn_at.is_(None))
        .group_by(AgendaItem.meeting_id))


# Built once: building this statement cost the home page more than running it.
_COUNTS = _counts_statement()


def meeting_counts(user: User, meeting_ids: list[int]) -> dict[int, MeetingCounts]:
    """Per meeting, what the home page counts, for the desk and the coming meetings in
    one query."""
    if not meeting_ids:
        return {}
    rows = db.session.execute(_COUNTS, {"meeting_ids": meeting_ids, "user_id": user.id})
    return {meeting_id: MeetingCounts(*figures) for meeting_id, *figures in rows}


def meeting_responses(meeting_ids: list[int], region_meeting_ids: list[int] = (),
                      region: Region | None = None) -> dict[int, list[Response]]:
    """Every live input and "geen inbreng" of `meeting_ids`, and those of one region's
    members in `region_meeting_ids` (a chair's): one query, one row per response."""
    region_meeting_ids = list(region_meeting_ids) if region is not None else []
    if not meeting_ids and not region_meeting_ids:
        return {}
    region_name = func.coalesce(Region.name, "Geen regio")

    def which(meeting_id):
        if not region_meeting_ids:
            return meeting_id.in_(meeting_ids)
        return meeting_id.in_(meeting_ids) | (meeting_id.in_(region_meeting_ids)
                                              & (User.region_id == region.id))

    inputs = (select(AgendaItem.meeting_id, Comment.item_id, Comment.created_at,
                     Comment.author_id, region_name, Comment.late, literal(True))
              .join(AgendaItem, AgendaItem.id == Comment.item_id)
              .join(User, User.id == Comment.author_id)
              .outerjoin(Region, Region.id == User.region_id)
              .where(which(AgendaItem.meeting_id), Comment.withdrawn_at.is_(None)))
    nothing = (select(NoInput.meeting_id, NoInput.item_id, NoInput.created_at,
                      NoInput.user_id, region_name, literal(False), literal(False))
               .join(User, User.id == NoInput.user_id)
               .outerjoin(Region, Region.id == User.region_id)
               .where(which(NoInput.meeting_id)))
    result: dict[int, list[Response]] = defaultdict(list)
    for meeting_id, item_id, at, author_id, name, late, is_input in db.session.execute(
            union_all(inputs, nothing)):
        result[meeting_id].append(Response(item_id, at, author_id, name, bool(late),
                                           bool(is_input)))
    return result


def fill_figures(row: DeskRow, responses: list[Response], now: datetime) -> None:
    """Responses per day up to the deadline, and responding members per region × item."""
    last_day = local_time(row.meeting.input_deadline).date()
    first_moment = row.meeting.published_at or row.meeting.created_at
    first = max(local_time(first_moment).date(), last_day - timedelta(days=DAYS_SHOWN - 1))
    per_day = Counter(local_time(r.at).date() for r in responses)
    days = [first + timedelta(days=n) for n in range((last_day - first).days + 1)]
    row.per_day = [(day, per_day.get(day, 0)) for day in days]
    item_ids = [item.id for item in row.items]
    responders: dict[tuple[str, int], set[int]] = defaultdict(set)
    for response in responses:
        targets = item_ids if response.item_id is None else [response.item_id]
        for item_id in targets:
            responders[(response.region, item_id)].add(response.author_id)
    row.regions = sorted({region for region, _ in responders})
    row.grid = {key: len(authors) for key, authors in responders.items()}


def deadline_words(deadline: datetime, now: datetime) -> str:
    left = deadline - now
    if left.days >= 1:
        days = left.days + (1 if left.seconds else 0)
        return f"deadline over {days} {'dag' if days == 1 else 'dagen'}"
    return f"deadline over {max(left.seconds // 3600, 1)} uur"


def next_actions(row: DeskRow, responses: list[Response], seen_at: datetime | None,
                 now: datetime, finals: int, outcomes: int) -> list[Action]:
    """What to do next in this phase, most pressing first."""
    if row.role == "regiovoorzitter":
        return chair_actions(row, responses, seen_at, now)
    status, actions = row.status, []
    if status == MeetingStatus.DRAFT:
        return [Action("agenda afmaken en publiceren", "meetings.meeting", urgent=True)]
    if status == MeetingStatus.OPEN:
        actions.append(Action(deadline_words(row.meeting.input_deadline, now),
                              "comments.participation"))
    inputs = [r for r in responses if r.is_input]
    new = sum(1 for r in inputs if seen_at is None or r.at > seen_at)
    if new:
        words = "nieuwe inbreng" if new == 1 else "nieuwe inbrengen"
        since = "sinds uw laatste bezoek" if seen_at else "(werkruimte nog niet geopend)"
        actions.append(Action(f"{new} {words} {since}", "statements.workspace"))
    late = [r for r in inputs if r.late]
    if late:  # after the deadline nobody is reminded: late input must not go unseen
        fresh = sum(1 for r in late if seen_at is None or r.at > seen_at)
        actions.append(Action(f"{len(late)} te laat ingediend"
                              + (f" ({fresh} nieuw)" if fresh else ""),
                              "statements.workspace", urgent=bool(fresh)))
    if status in (MeetingStatus.CLOSED, MeetingStatus.OPEN) and row.items:
        actions.append(Action(f"{finals} van {len(row.items)} standpunten definitief",
                              "statements.workspace",
                              urgent=status == MeetingStatus.CLOSED and finals < len(row.items)))
    if status == MeetingStatus.HELD:
        if outcomes < len([i for i in row.meeting.items if not i.withdrawn_at]):
            actions.append(Action("uitkomsten vastleggen", "statements.outcomes", urgent=True))
        actions.append(Action("terugkoppeling nog niet verstuurd", "statements.outcomes",
                              urgent=True))
    return actions


def chair_actions(row: DeskRow, responses: list[Response], seen_at: datetime | None,
                  now: datetime) -> list[Action]:
    """A chair's region: the deadline, new input since the last look at participation."""
    actions = []
    if row.status == MeetingStatus.OPEN:
        actions.append(Action(deadline_words(row.meeting.input_deadline, now),
                              "comments.participation"))
    new = sum(1 for r in responses if r.is_input and (seen_at is None or r.at > seen_at))
    if new:
        words = "nieuwe inbreng" if new == 1 else "nieuwe inbrengen"
        actions.append(Action(f"{new} {words} uit uw regio sinds uw laatste bezoek",
                              "comments.participation"))
    members = len({r.author_id for r in responses})
    actions.append(Action(f"{members} {'lid' if members == 1 else 'leden'} uit uw regio "
                          "reageerden", "comments.participation"))
    return actions
