from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from consult.accounts.models import Organisation
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.meetings import services
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
    run_tick()
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in messages] == [noord.email]
    assert messages[0].meeting_id == meeting.id
    text = messages[0].body_text
    assert "Deadline voor inbreng: nog " in text and f"/vergaderingen/{meeting.id}" in text
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
