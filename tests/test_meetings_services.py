from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from consult.accounts.models import Organisation
from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.mail.tokens import link_of, meeting_links
from consult.meetings import importing, services
from consult.meetings.models import AgendaItem, Meeting, Purpose
from consult.meetings.services import MeetingStatus, meeting_status
from consult.scheduler import run_tick
from tests.factories import make_body, make_meeting, make_user

AMS_TZ = "Europe/Amsterdam"


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("meeting_local", "expected_local"), [
    # Thursday meeting: 3 working days before is Monday.
    (datetime(2026, 10, 15, 9, 30), datetime(2026, 10, 12, 17, 0)),
    # Monday meeting: skip the weekend, 3 working days before is Wednesday.
    (datetime(2026, 10, 19, 9, 30), datetime(2026, 10, 14, 17, 0)),
    # Tuesday meeting: Friday before.
    (datetime(2026, 10, 20, 9, 30), datetime(2026, 10, 15, 17, 0)),
    # Meeting on Saturday (rare): Wednesday.
    (datetime(2026, 10, 24, 10, 0), datetime(2026, 10, 21, 17, 0)),
])
def test_deadline_proposal_skips_weekends(ctx, meeting_local, expected_local):
    from zoneinfo import ZoneInfo

    body = make_body()
    zone = ZoneInfo(AMS_TZ)
    deadline = services.propose_deadline(body, meeting_local.replace(tzinfo=zone))
    assert deadline.astimezone(zone).replace(tzinfo=None) == expected_local


def test_deadline_proposal_across_dst(ctx):
    """The meeting is in winter time, the deadline in summer time: 17.00 local both."""
    body = make_body()
    # DST ends Sunday 25 October 2026. Meeting Wednesday 28 October 09.30 CET (08.30 UTC).
    starts_at = utc(2026, 10, 28, 8, 30)
    deadline = services.propose_deadline(body, starts_at)
    assert deadline == utc(2026, 10, 23, 15, 0)  # Friday 23 October 17.00 CEST
    # Spring: meeting Wednesday 1 April 2026 09.30 CEST; deadline Friday 27 March 17.00 CET.
    assert services.propose_deadline(body, utc(2026, 4, 1, 7, 30)) == utc(2026, 3, 27, 16, 0)


def test_deadline_rule_per_body(ctx):
    body = make_body(deadline_working_days=5, deadline_time=time(12, 0))
    assert services.propose_deadline(body, utc(2026, 10, 15, 7, 30)) == utc(2026, 10, 8, 10, 0)
    assert services.working_days_before(date(2026, 10, 19), 0) == date(2026, 10, 19)


def test_status_at_each_boundary(ctx):
    body = make_body()
    meeting = make_meeting(body, published=False)
    deadline, start = meeting.input_deadline, meeting.starts_at
    second = timedelta(seconds=1)
    assert meeting_status(meeting, deadline - second) == MeetingStatus.DRAFT
    meeting.published_at = deadline - timedelta(days=3)
    assert meeting_status(meeting, deadline - second) == MeetingStatus.OPEN
    assert meeting_status(meeting, deadline) == MeetingStatus.CLOSED
    assert meeting_status(meeting, start - second) == MeetingStatus.CLOSED
    assert meeting_status(meeting, start) == MeetingStatus.HELD
    meeting.outcomes_published_at = start + timedelta(days=1)
    assert meeting_status(meeting, start + timedelta(days=2)) == MeetingStatus.DONE
    meeting.cancelled_at = start
    assert meeting_status(meeting, start) == MeetingStatus.CANCELLED


def test_reschedule_is_recorded_with_who_and_when(ctx):
    delegate = make_user("delegate")
    body = make_body(delegates=[delegate])
    meeting = make_meeting(body)
    new_start = meeting.starts_at + timedelta(days=7)
    changed = services.reschedule_meeting(
        meeting, delegate, starts_at=new_start, ends_at=new_start + timedelta(hours=3),
        input_deadline=meeting.input_deadline, note="VNG-zaal bezet")
    db.session.commit()
    assert changed == ["starts_at", "ends_at"]
    log = [(c.action, c.field, c.user_id, c.note) for c in meeting.changes]
    assert ("verplaatst", "starts_at", delegate.id, "VNG-zaal bezet") in log
    assert all(c.at is not None for c in meeting.changes)
    assert services.reschedule_meeting(
        meeting, delegate, starts_at=new_start, ends_at=new_start + timedelta(hours=3),
        input_deadline=meeting.input_deadline) == []
    with pytest.raises(services.MeetingRuleError, match="vóór de vergadering"):
        services.reschedule_meeting(meeting, delegate, starts_at=new_start,
                                    ends_at=new_start + timedelta(hours=1),
                                    input_deadline=new_start + timedelta(hours=1))


def test_publish_queues_one_message_per_constituency_member(ctx):
    delegate = make_user("delegate", organisation=Organisation.VIAG)
    noord = make_user("member", organisation=Organisation.VIAG, region="Noord")
    make_user("member", organisation=Organisation.VIAG, region="Oost")
    make_user("member", organisation=Organisation.CIO, region="Noord")
    make_user("member", organisation=Organisation.VIAG, region="Noord", active=False)
    body = make_body(delegates=[delegate], organisations=[Organisation.VIAG], regions=["Noord"])
    meeting = make_meeting(body, published=False)
    assert services.publish_meeting(meeting, delegate) == 1
    db.session.commit()
    assert db.session.scalars(select(OutboxMessage)).all() == []  # the tick sends it
    result = run_tick()
    assert result["sent"] == 1  # queued and delivered in the same tick, not a tick later
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in messages] == [noord.email]
    assert messages[0].meeting_id == meeting.id
    text = messages[0].body_text
    # The member's own link into this meeting (recognised for it only), not the bare page.
    link = link_of(meeting_links(meeting.id, [noord.id])[noord.id])
    assert "Deadline voor inbreng: nog " in text and f"Naar de vergadering: {link}\n" in text
    assert "1. Agendapunt 1" in text
    with pytest.raises(services.MeetingRuleError):
        services.publish_meeting(meeting, delegate)


def test_publish_refuses_empty_or_past_deadline(ctx):
    delegate = make_user("delegate")
    body = make_body(delegates=[delegate])
    empty = make_meeting(body, published=False, items=0)
    with pytest.raises(services.MeetingRuleError, match="agendapunten"):
        services.publish_meeting(empty, delegate)
    late = make_meeting(body, published=False, deadline_in_days=-1)
    with pytest.raises(services.MeetingRuleError, match="deadline"):
        services.publish_meeting(late, delegate)


def test_move_item_up_and_down(ctx):
    meeting = make_meeting(make_body(), items=3)
    first, second, third = meeting.items
    assert services.move_item(third, "up")
    db.session.flush()
    db.session.expire(meeting, ["items"])
    assert [i.title for i in meeting.items] == ["Agendapunt 1", "Agendapunt 3", "Agendapunt 2"]
    assert not services.move_item(first, "up")
    assert not services.move_item(second, "down")


def test_withdraw_closes_item_for_input(ctx):
    delegate = make_user("delegate")
    meeting = make_meeting(make_body(delegates=[delegate]))
    item = meeting.items[0]
    services.withdraw_item(item, delegate, "Schuift door naar januari")
    assert not item.open_for_input and item.withdrawn_reason == "Schuift door naar januari"
    assert services.count_items([meeting.id]) == {meeting.id: 2}
    services.restore_item(item, delegate)
    assert item.open_for_input


def test_constituency_without_regions_is_everyone_of_the_organisations(ctx):
    viag = make_user("member", organisation=Organisation.VIAG, region="Zuid")
    img = make_user("member", organisation=Organisation.IMG)
    body = make_body(organisations=[Organisation.VIAG, Organisation.IMG])
    assert set(db.session.scalars(services.constituency_query(body))) == {viag, img}


# --- rules that moved out of the views ----------------------------------------------


def test_create_meeting_refuses_impossible_times_before_writing(ctx):
    body = make_body()
    starts_at = utc(2026, 10, 15, 7, 30)
    with pytest.raises(services.MeetingRuleError, match="eindtijd"):
        services.create_meeting(body, None, starts_at=starts_at, ends_at=starts_at)
    with pytest.raises(services.MeetingRuleError, match="deadline"):
        services.create_meeting(body, None, starts_at=starts_at,
                                input_deadline=starts_at + timedelta(hours=1))
    assert db.session.scalars(select(Meeting)).all() == []
    meeting = services.create_meeting(body, None, starts_at=starts_at)
    assert meeting.id is not None  # flushed: the view redirects to it
    assert meeting.input_deadline == services.propose_deadline(body, starts_at)


def test_meeting_times_take_the_given_deadline_or_the_bodys_rule(ctx):
    body = make_body(deadline_working_days=1, deadline_time=time(12, 0))
    day = date(2026, 10, 15)  # a Thursday, summer time (UTC+2)
    starts_at, ends_at, deadline = services.meeting_times(body, day, time(9, 30), time(12, 0))
    assert (starts_at, ends_at) == (utc(2026, 10, 15, 7, 30), utc(2026, 10, 15, 10, 0))
    assert deadline == utc(2026, 10, 14, 10, 0)  # Wednesday 12.00
    given = services.meeting_times(body, day, time(9, 30), time(12, 0),
                                   date(2026, 10, 9), time(17, 0))
    assert given[2] == utc(2026, 10, 9, 15, 0)
    # A date without a time (or the other way round) is no deadline: the rule decides.
    assert services.meeting_times(body, day, time(9, 30), time(12, 0), date(2026, 10, 9))[2] \
        == deadline


def test_published_items_are_withdrawn_not_deleted(ctx):
    meeting = make_meeting(make_body(), published=True, items=2)
    item = meeting.items[0]
    with pytest.raises(services.MeetingRuleError, match="van de agenda"):
        services.delete_item(item)
    assert item in meeting.items
    draft = make_meeting(make_body("Regioberaad"), published=False, items=2)
    services.delete_item(draft.items[0])
    db.session.flush()
    assert len(draft.items) == 1
    assert db.session.scalars(select(AgendaItem)
                              .where(AgendaItem.meeting_id == draft.id)).all() \
        == draft.items


def test_update_item_keeps_sub_numbers_in_capitals_and_knows_its_fields(ctx):
    meeting = make_meeting(make_body(), published=False, items=0)
    item = services.add_item(meeting, number="3", sub="a", title="Jaarplan",
                             purpose="besluitvorming")
    assert item.id is not None and item.label == "3A"
    assert item.purpose == Purpose.BESLUITVORMING
    services.update_item(item, sub="", purpose="")
    assert (item.label, item.purpose) == ("3", None)
    with pytest.raises(TypeError, match="position"):
        services.update_item(item, position=1)


def test_propose_agenda_says_what_is_missing(ctx):
    with pytest.raises(importing.AgendaSourceError) as empty:
        importing.propose_agenda("   ")
    assert empty.value.field == "text"
    with pytest.raises(importing.AgendaSourceError) as unnumbered:
        importing.propose_agenda("Opening\nRondvraag")
    assert unnumbered.value.field == "text" and "genummerde" in str(unnumbered.value)
    with pytest.raises(importing.AgendaSourceError) as broken:
        importing.propose_agenda("", b"geen word-bestand")
    assert broken.value.field == "file"
    agenda = importing.propose_agenda("1. Opening\n2. Rondvraag")
    assert [item.title for item in agenda.items] == ["Opening", "Rondvraag"]


def test_manageable_and_upcoming_follow_the_permission_rules(ctx):
    delegate = make_user("delegate")
    member = make_user(organisation=Organisation.IMG)
    own = make_body(delegates=[delegate], organisations=[Organisation.VIAG])
    other = make_body("Regioberaad", organisations=[Organisation.IMG])
    assert services.manageable_bodies(delegate) == [own]
    assert services.manageable_bodies(member) == []
    coming = make_meeting(other, starts_in_days=3)
    make_meeting(other, starts_in_days=-3, deadline_in_days=-5)  # ended days ago
    make_meeting(other, starts_in_days=4, cancelled_at=utcnow())
    draft = make_meeting(own, starts_in_days=5, published=False)
    now = utcnow()
    assert services.upcoming_meetings(member, now) == [coming]
    assert services.upcoming_meetings(delegate, now) == [draft]  # a delegate sees drafts


def test_move_item_takes_the_sub_items_of_a_main_item(app, world):
    """1, 2, 2A, 2B, 3: moving 2 moves the block; a sub-item stays under its parent."""
    move_item, can_move = services.move_item, services.can_move
    with app.app_context():
        meeting = db.session.get(Meeting, world["draft"])
        first, second, third = meeting.items
        third.position = 10
        subs = [AgendaItem(position=p, number="2", sub=s, title=f"2{s}")
                for p, s in ((5, "A"), (6, "B"))]
        meeting.items.extend(subs)

        def order():
            return [i.label for i in sorted(meeting.items, key=lambda i: i.position)]

        assert move_item(second, "down") and order() == ["1", "3", "2", "2A", "2B"]
        assert not move_item(second, "down") and not can_move(second, "down")
        assert move_item(second, "up") and move_item(second, "up")
        assert order() == ["2", "2A", "2B", "1", "3"]
        assert not can_move(subs[0], "up") and move_item(subs[0], "down")
        assert order() == ["2", "2B", "2A", "1", "3"] and not move_item(subs[0], "down")
        db.session.rollback()
