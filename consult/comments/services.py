"""Member input: give, edit, withdraw, "geen inbreng", late input, input on behalf of
others, who sees what, and who responded. The participation overview and the
personal reminders: comments/participation.py."""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, select, true, union
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import Organisation, User
from consult.comments.models import Comment, CommentEvent, CommentKind, NoInput, OnBehalf
from consult.comments.signals import late_input_sent
from consult.database import utcnow
from consult.extensions import db
from consult.mail.services import queue_message
from consult.meetings.constituency import constituency_query
from consult.meetings.models import AgendaItem, Body, Meeting
from consult.pages import external_url
from consult.permissions import (
    can_change_comment,
    is_asked_for_input,
    owns_comment,
)

MAX_TEXT = 5000

KIND_LABELS = {CommentKind.INPUT: "Inbreng", CommentKind.QUESTION: "Vraag",
               CommentKind.SUPPORT: "Steun", CommentKind.CONCERN: "Zorg"}


class InputError(ValueError):
    """Input that cannot be accepted; the message is for the member (Dutch)."""


class DeadlinePassed(InputError):
    def __init__(self):
        super().__init__("De deadline voor inbreng is verstreken. Uw tekst staat hieronder: "
                         "u kunt hem als late inbreng naar de gedelegeerde sturen.")


def dutch_number(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def clean_text(text: str | None) -> str:
    """Line breaks kept (normalised), surrounding white space dropped, length checked."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InputError("Schrijf uw inbreng in het tekstvak.")
    if len(text) > MAX_TEXT:
        raise InputError(f"Uw tekst is {dutch_number(len(text))} tekens; het maximum is "
                         f"{dutch_number(MAX_TEXT)}. Maak hem {dutch_number(len(text) - MAX_TEXT)}"
                         " tekens korter: er is nog niets opgeslagen en niets weggelaten.")
    return text


def behalf_text(on_behalf: OnBehalf, municipality: str | None, region: str | None,
                organisation: Organisation) -> str:
    """"namens gemeente …" and the like; `region`: the name of the region the author
    chairs, `organisation`: the input's own or else the author's."""
    if on_behalf == OnBehalf.MUNICIPALITY and municipality:
        return f"namens gemeente {municipality}"
    if on_behalf == OnBehalf.REGION and region is not None:
        return f"namens regio {region}"
    if on_behalf == OnBehalf.BOARD:
        return f"namens het bestuur van {organisation.value}"
    return "op persoonlijke titel"


def on_behalf_label(comment: Comment) -> str:
    author = comment.author
    region = author.chairs_region.name if author.chairs_region else None
    return behalf_text(comment.on_behalf, author.municipality, region,
                       comment.organisation or author.organisation)


def on_behalf_choices(user: User) -> list[tuple[str, str]]:
    choices = [(OnBehalf.SELF.value, "Mijzelf")]
    if user.municipality:
        choices.append((OnBehalf.MUNICIPALITY.value, f"Mijn gemeente ({user.municipality})"))
    if user.chairs_region:
        choices.append((OnBehalf.REGION.value, f"Mijn regio ({user.chairs_region.name})"))
    choices.append((OnBehalf.BOARD.value, f"Het bestuur van {user.organisation.value}"))
    return choices


def check_on_behalf(user: User, on_behalf: OnBehalf) -> None:
    if on_behalf.value not in {value for value, _ in on_behalf_choices(user)}:
        raise InputError("U kunt niet namens die partij inbreng geven.")


def record(comment: Comment, user: User, action: str) -> None:
    db.session.add(CommentEvent(comment_id=comment.id, user_id=user.id, action=action,
                                kind=comment.kind.value, text=comment.text, at=utcnow()))


def give_input(user: User, item: AgendaItem, *, kind: CommentKind, text: str,
               on_behalf: OnBehalf = OnBehalf.SELF, now: datetime | None = None) -> Comment:
    now = now or utcnow()
    if now >= item.meeting.input_deadline and is_asked_for_input(user, item):
        clean_text(text)  # an empty text is still the first thing to tell
        raise DeadlinePassed()
    comment = _store_input(user, item, kind=kind, text=text, on_behalf=on_behalf, now=now)
    notify_contributors(comment)
    return comment


def send_late_input(user: User, item: AgendaItem, *, kind: CommentKind, text: str,
                    on_behalf: OnBehalf = OnBehalf.SELF, now: datetime | None = None) -> Comment:
    """After the deadline: stored for the delegate, flagged late (before it: normal input)."""
    now = now or utcnow()
    if now < item.meeting.input_deadline:
        return give_input(user, item, kind=kind, text=text, on_behalf=on_behalf, now=now)
    comment = _store_input(user, item, kind=kind, text=text, on_behalf=on_behalf, now=now,
                           late=True)
    late_input_sent.send(comment)
    return comment


def _store_input(user: User, item: AgendaItem, *, kind: CommentKind, text: str,
                 on_behalf: OnBehalf, now: datetime, late: bool = False) -> Comment:
    text = clean_text(text)
    if not is_asked_for_input(user, item):
        raise InputError("Op dit agendapunt kunt u geen inbreng geven.")
    check_on_behalf(user, on_behalf)
    comment = Comment(item=item, author=user, kind=kind, text=text, on_behalf=on_behalf,
                      late=late, created_at=now, updated_at=now)
    db.session.add(comment)
    db.session.flush()
    record(comment, user, "created")
    return comment


def enter_on_behalf(delegate: User, item: AgendaItem, *, author: User, kind: CommentKind,
                    text: str, on_behalf: OnBehalf, organisation: Organisation | None = None,
                    received_via: str = "", now: datetime | None = None) -> Comment:
    """A delegate records input received by email or phone for a member or organisation;
    after the deadline it is marked late."""
    now = now or utcnow()
    comment = Comment(item=item, author=author, entered_by=delegate, kind=kind,
                      text=clean_text(text), on_behalf=on_behalf,
                      organisation=organisation if on_behalf == OnBehalf.BOARD else None,
                      received_via=received_via.strip()[:100],
                      late=now >= item.meeting.input_deadline, created_at=now, updated_at=now)
    db.session.add(comment)
    db.session.flush()
    record(comment, delegate, "created")
    return comment


def on_behalf_authors(body: Body) -> list[tuple[int, str]]:
    """Whom a delegate can enter input for: the body's constituency, as form choices."""
    members = db.session.scalars(constituency_query(body)).all()
    return [(m.id, f"{m.name} ({m.municipality or m.organisation.value})") for m in members]


def edit_input(user: User, comment: Comment, *, kind: CommentKind, text: str,
               on_behalf: OnBehalf, now: datetime | None = None) -> bool:
    """Returns whether anything changed; a save that changes nothing records nothing."""
    now = now or utcnow()
    text = clean_text(text)
    if not can_change_comment(user, comment, now):
        # Their own input, no longer changeable: the deadline passed (offer late input).
        if owns_comment(user, comment) and comment.withdrawn_at is None:
            raise DeadlinePassed()
        raise InputError("U kunt deze inbreng niet meer wijzigen.")
    # The author speaks for whom they may; what a delegate recorded as received stays.
    recorded = comment.entered_by_id is not None and on_behalf == comment.on_behalf
    if user.id == comment.author_id and not recorded:
        check_on_behalf(user, on_behalf)
    if (comment.kind, comment.text, comment.on_behalf) == (kind, text, on_behalf):
        return False
    comment.kind, comment.text, comment.on_behalf, comment.updated_at = kind, text, on_behalf, now
    record(comment, user, "edited")
    return True


def withdraw_input(user: User, comment: Comment, now: datetime | None = None) -> None:
    now = now or utcnow()
    if not can_change_comment(user, comment, now):
        raise InputError("U kunt deze inbreng niet meer intrekken.")
    comment.withdrawn_at = now
    record(comment, user, "withdrawn")


def _no_input_query(user: User, meeting: Meeting, item: AgendaItem | None):
    query = select(NoInput).where(NoInput.user_id == user.id, NoInput.meeting_id == meeting.id)
    return query.where(NoInput.item_id == item.id if item else NoInput.item_id.is_(None))


def mark_no_input(user: User, meeting: Meeting, item: AgendaItem | None = None,
                  now: datetime | None = None) -> None:
    """"Geen inbreng" for one item or the whole meeting; clicking twice changes nothing."""
    now = now or utcnow()
    if meeting.published_at is None or meeting.cancelled_at or now >= meeting.input_deadline:
        raise InputError("De termijn voor inbreng is gesloten.")
    if db.session.scalar(_no_input_query(user, meeting, item)) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(NoInput(user_id=user.id, meeting_id=meeting.id,
                                   item_id=item.id if item else None, created_at=now))
    except IntegrityError:
        pass  # a double click raced us: it is there either way


def undo_no_input(user: User, meeting: Meeting, item: AgendaItem | None = None,
                  now: datetime | None = None) -> None:
    if (now or utcnow()) >= meeting.input_deadline:
        raise InputError("De termijn voor inbreng is gesloten.")
    for row in db.session.scalars(_no_input_query(user, meeting, item)):
        db.session.delete(row)


# Both run on every meeting page, built once at import (composing cost more than running).
_NO_INPUT_STATE = select(NoInput.item_id).where(NoInput.user_id == bindparam("user_id"),
                                                NoInput.meeting_id == bindparam("meeting_id"))
# The meeting page shows of each of the member's own inputs its kind and an excerpt:
# plain rows, not Comment objects.
_MY_COMMENTS = (select(Comment.id, Comment.item_id, Comment.kind, Comment.text)
                .join(AgendaItem, AgendaItem.id == Comment.item_id)
                .where(Comment.author_id == bindparam("user_id"), Comment.withdrawn_at.is_(None),
                       AgendaItem.meeting_id == bindparam("meeting_id"))
                .order_by(Comment.created_at, Comment.id))


def no_input_state(user_id: int, meeting_id: int) -> tuple[bool, set[int]]:
    """(whole meeting marked, item ids marked) for one member, one query."""
    rows = db.session.scalars(_NO_INPUT_STATE,
                              {"user_id": user_id, "meeting_id": meeting_id}).all()
    return None in rows, {item_id for item_id in rows if item_id is not None}


def my_comments(user_id: int, meeting_id: int) -> dict[int, list]:
    """A member's own live input per item of a meeting (one query): rows of id, item_id,
    kind and text."""
    comments = db.session.execute(_MY_COMMENTS, {"user_id": user_id, "meeting_id": meeting_id})
    per_item: dict[int, list] = defaultdict(list)
    for comment in comments:
        per_item[comment.item_id].append(comment)
    return per_item


def responses(meeting_ids, user_id=None):
    """(user_id, item_id) for every item of these meetings a member responded to:
    input, or "geen inbreng" on the item or on the whole meeting. With `user_id`, only
    that member's: each part filters first, so the union never holds everyone's input.
    Both may be bind parameters, for a statement built once (`meeting_ids` expanding)."""
    def own(column):
        return column == user_id if user_id is not None else true()

    commented = (
        select(Comment.author_id.label("user_id"), Comment.item_id)
        .join(AgendaItem, AgendaItem.id == Comment.item_id)
        .where(Comment.withdrawn_at.is_(None), AgendaItem.meeting_id.in_(meeting_ids),
               own(Comment.author_id))
    )
    item_no_input = select(NoInput.user_id, NoInput.item_id).where(
        NoInput.meeting_id.in_(meeting_ids), NoInput.item_id.is_not(None), own(NoInput.user_id))
    whole_meeting = (
        select(NoInput.user_id, AgendaItem.id)
        .join(NoInput, (NoInput.meeting_id == AgendaItem.meeting_id) & NoInput.item_id.is_(None))
        .where(AgendaItem.meeting_id.in_(meeting_ids), own(NoInput.user_id))
    )
    return union(commented, item_no_input, whole_meeting).subquery()


def responded_item_ids(user_id: int, meeting_ids: list[int]) -> set[int]:
    """Items of these meetings the user responded to (one query)."""
    if not meeting_ids:
        return set()
    rows = responses(meeting_ids, user_id)
    return set(db.session.scalars(select(rows.c.item_id)))


def responded_items_by_member(meeting_id: int) -> dict[int, set[int]]:
    """For every member who responded to the meeting, the items they responded to (one
    query: a reminder to everyone needs it for each of them)."""
    rows = responses([meeting_id])
    result: dict[int, set[int]] = defaultdict(set)
    for user_id, item_id in db.session.execute(select(rows.c.user_id, rows.c.item_id)):
        result[user_id].add(item_id)
    return result


def notify_contributors(comment: Comment) -> None:
    """Mail those who gave input on the same item and asked to hear about new input."""
    item = comment.item
    if not item.meeting.body.members_see_each_other:
        return
    recipients = db.session.scalars(
        select(User).where(
            User.notify_on_reply.is_(True), User.active.is_(True), User.id != comment.author_id,
            User.id.in_(select(Comment.author_id).where(
                Comment.item_id == item.id, Comment.withdrawn_at.is_(None)))))
    for user in recipients:
        queue_message(
            kind="new_input",
            recipient=user.email,
            user_id=user.id,
            subject=f"Nieuwe inbreng op {item.label}. {item.title}",
            template="new_input",
            context={"user": user, "comment": comment, "item": item,
                     "kind_label": KIND_LABELS[comment.kind],
                     "url": external_url("meetings.item", item_id=item.id),
                     "account_url": external_url("accounts.account")},
            idempotency_key=f"new_input:{comment.id}:{user.id}",
        )


def set_notify_on_reply(user: User, notify: bool) -> None:
    """The member's choice to hear by mail about new input where they gave input too."""
    user.notify_on_reply = bool(notify)
