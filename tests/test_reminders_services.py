"""Reminder rules, planning and firing: exact audiences, evaluated when a reminder fires;
no stale reminder after a reschedule; none for a cancelled meeting; lateness; DST;
conditions; preferences and the daily digest."""

import email
import re
from datetime import UTC, datetime, timedelta
from email import policy
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from consult.accounts.models import User
from consult.comments.models import Comment, NoInput
from consult.database import utcnow
from consult.extensions import db
from consult.mail.building import build_email, new_message
from consult.mail.models import OutboxMessage
from consult.mail.services import add_once, queue_message_once
from consult.meetings.models import AgendaItem, Body, Meeting
from consult.meetings.services import cancel_meeting, publish_meeting, reschedule_meeting
from consult.meetings.signals import body_created
from consult.reminders import firing, planning, preferences, rules
from consult.reminders.audience import audience as audience_of
from consult.reminders.models import (
    Anchor,
    Audience,
    Condition,
    DigestEntry,
    PreferenceMode,
    Reminder,
    ReminderRule,
    ReminderStatus,
)
from consult.scheduler import run_tick
from consult.statements.models import Statement, StatementStatus
from tests.factories import make_body, make_user

DAY = 24 * 60


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Published 1 March 2030; deadline Monday 11 March 17.00 (CET); meeting 14 March 10.00.
PUBLISHED = at("2030-03-01T09:00")
DEADLINE = at("2030-03-11T16:00")
STARTS = at("2030-03-14T09:00")


def build(app, *, published=PUBLISHED, deadline=DEADLINE, starts=STARTS, plan=True,
          name="Taskforce Samen Organiseren"):
    """A body (default rules), chairs and members in Noord and Zuid, a meeting with
    three items; Bert gave input, Carla said "geen inbreng"."""
    with app.test_request_context():
        delegate = make_user("delegate", name="Mirjam Kok")
        body = make_body(name, delegates=[delegate])
        people = {
            "delegate": delegate,
            "noord_chair": make_user("chair", name="Chantal Noord", region="Noord"),
            "zuid_chair": make_user("chair", name="Zeger Zuid", region="Zuid"),
            "anna": make_user(name="Anna Noord", region="Noord"),
            "bert": make_user(name="Bert Noord", region="Noord"),
            "carla": make_user(name="Carla Zuid", region="Zuid"),
            "dirk": make_user(name="Dirk Zuid", region="Zuid"),
            "eva": make_user(name="Eva Zuid", region="Zuid", active=False),
        }
        meeting = Meeting(body=body, starts_at=starts, ends_at=starts + timedelta(hours=3),
                          input_deadline=deadline, published_at=published, location="Den Haag")
        for number in (1, 2, 3):
            meeting.items.append(AgendaItem(position=number, number=str(number),
                                            title=f"Agendapunt {number}"))
        db.session.add(meeting)
        db.session.flush()
        db.session.add(Comment(item_id=meeting.items[0].id, author_id=people["bert"].id,
                               text="Graag meer aandacht voor kleine gemeenten."))
        db.session.add(NoInput(user_id=people["carla"].id, meeting_id=meeting.id))
        if plan:
            planning.plan_reminders(meeting, published)
        db.session.commit()
        ids = SimpleNamespace(body=body.id, meeting=meeting.id,
                              items=[item.id for item in meeting.items],
                              **{name: user.id for name, user in people.items()})
    return ids


def rule_id(ids, anchor, offset, audience=None) -> int:
    query = select(ReminderRule.id).where(ReminderRule.body_id == ids.body,
                                          ReminderRule.anchor == anchor,
                                          ReminderRule.offset_minutes == offset)
    if audience:
        query = query.where(ReminderRule.audience == audience)
    return db.session.scalar(query)


def add_rule(ids, audience, anchor=Anchor.DEADLINE, offset=-2 * DAY, **fields) -> int:
    rule = ReminderRule(body_id=ids.body, anchor=anchor, offset_minutes=offset,
                        audience=audience, subject=f"Test {audience.value}", message="Tekst",
                        **fields)
    db.session.add(rule)
    db.session.flush()
    planning.plan_reminders(db.session.get(Meeting, ids.meeting), PUBLISHED)
    db.session.commit()
    return rule.id


def recipients(kind="reminder") -> set[str]:
    db.session.expire_all()
    return {m.recipient for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind))}


def emails(app, *names, ids) -> set[str]:
    return {db.session.get(User, getattr(ids, name)).email for name in names}


def reminder(rule: int, meeting: int) -> list[Reminder]:
    db.session.expire_all()
    return list(db.session.scalars(select(Reminder).where(
        Reminder.rule_id == rule, Reminder.meeting_id == meeting).order_by(Reminder.due_at)))


def test_a_new_body_gets_the_default_rules(app):
    with app.app_context():
        body = make_body()
        db.session.commit()
        found = {(r.anchor, r.offset_minutes, r.audience, r.condition)
                 for r in rules.body_rules(body)}
    assert found == {
        (Anchor.PUBLICATION, 0, Audience.ALL, Condition.NONE),
        (Anchor.DEADLINE, -5 * DAY, Audience.NON_RESPONDERS, Condition.NONE),
        (Anchor.DEADLINE, -1 * DAY, Audience.NON_RESPONDERS, Condition.NONE),
        (Anchor.DEADLINE, 0, Audience.DELEGATES, Condition.NONE),
        (Anchor.MEETING_START, -1 * DAY, Audience.DELEGATES, Condition.STATEMENT_NOT_FINAL),
        (Anchor.MEETING_END, 1 * DAY, Audience.DELEGATES, Condition.OUTCOMES_MISSING),
    }


def test_default_rules_come_from_the_body_created_signal_once(app):
    with app.app_context():
        body = Body(name="Nieuw overleg", short_name="NO")
        db.session.add(body)
        db.session.flush()
        assert rules.body_rules(body) == []  # no flush hook: the signal creates them
        body_created.send(body)
        body_created.send(body)  # a second send adds nothing
        db.session.commit()
        assert len(rules.body_rules(body)) == len(rules.DEFAULT_RULES)
        [agenda_open] = [rule for rule in rules.body_rules(body)
                         if rule.anchor == Anchor.PUBLICATION]
        assert (agenda_open.offset_minutes, agenda_open.audience, agenda_open.active) == (
            0, Audience.ALL, True)


def test_publishing_plans_a_row_per_rule(app):
    ids = build(app, published=None, plan=False)
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids.meeting)
        publish_meeting(meeting, db.session.get(User, ids.delegate), now=PUBLISHED)
        db.session.commit()
        due = sorted(r.due_at for r in db.session.scalars(select(Reminder)))
    assert due == [PUBLISHED, at("2030-03-06T16:00"), at("2030-03-10T16:00"), DEADLINE,
                   at("2030-03-13T09:00"), at("2030-03-15T12:00")]


def test_exact_recipient_sets_per_audience(app):
    ids = build(app)
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids.meeting)

        def who(audience):
            rule = ReminderRule(body_id=ids.body, anchor=Anchor.DEADLINE, audience=audience,
                                subject="x")
            return {r.user.name for r in audience_of(rule, meeting)}

        everyone = {"Mirjam Kok", "Chantal Noord", "Zeger Zuid", "Anna Noord", "Bert Noord",
                    "Carla Zuid", "Dirk Zuid"}  # Eva is inactive
        assert who(Audience.ALL) == everyone
        assert who(Audience.NON_RESPONDERS) == everyone - {"Bert Noord", "Carla Zuid"}
        assert who(Audience.CHAIRS) == {"Chantal Noord", "Zeger Zuid"}
        assert who(Audience.DELEGATES) == {"Mirjam Kok"}
        assert who(Audience.CONTRIBUTORS) == {"Bert Noord"}


def test_non_responders_get_the_deadline_reminder_with_their_open_items(app):
    ids = build(app)
    with app.test_request_context():
        result = run_tick(at("2030-03-06T16:00"))
        assert recipients() == emails(app, "delegate", "noord_chair", "zuid_chair", "anna",
                                      "dirk", ids=ids)
        assert result["reminders"] == 1 and result["sent"] == 5
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.recipient == db.session.get(User, ids.anna).email))
        assert message.idempotency_key == (
            f"reminder:{rule_id(ids, Anchor.DEADLINE, -5 * DAY)}:{ids.meeting}:{ids.anna}:"
            f"{at('2030-03-06T16:00').isoformat()}")
        parsed = email.message_from_bytes(bytes(build_email(message)), policy=policy.default)
    text = parsed.get_body(("plain",)).get_content()
    assert "nog 5 dagen, tot maandag 11 maart 17.00 uur" in text
    for item_id in ids.items:  # each item by the member's own link (recognised there)
        assert re.search(rf"http://localhost/toegang/\d+/[a-z2-7]{{26}}\?punt={item_id}\b", text)
    assert parsed["List-Unsubscribe"].strip().startswith("<http://localhost/afmelden/")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [ics] = list(parsed.iter_attachments())
    assert ics.get_content_type() == "text/calendar"
    assert "UID:deadline-" in ics.get_content()


def age_claim(reminder_id: int, minutes: int) -> None:
    """As if the claiming process died `minutes` ago (claims age in real time)."""
    db.session.execute(db.update(Reminder).where(Reminder.id == reminder_id).values(
        claimed_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def test_a_fan_out_that_dies_halfway_is_taken_up_again_without_duplicates(app, monkeypatch):
    """Chunks of two: the first chunk is committed (and deliverable) before the
    process dies on the third recipient; the reminder stays "sending" until it counts
    as stuck (its claim, in real time, is old), then fires anew and queues only the
    messages that are missing."""
    ids = build(app)
    app.config["REMINDER_FANOUT_CHUNK"] = 2
    real_context, calls = firing.personal_context, []

    def dies_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("process killed")
        return real_context(*args, **kwargs)

    due = at("2030-03-06T16:00")
    monkeypatch.setattr(firing, "personal_context", dies_on_the_third)
    with app.test_request_context():
        result = run_tick(due)
        assert "reminders" not in result and result["sent"] == 2
        [row] = reminder(rule_id(ids, Anchor.DEADLINE, -5 * DAY), ids.meeting)
        assert row.status == ReminderStatus.SENDING
        assert row.attempts == 1 and row.recipients == 2  # renewed after the first chunk
        monkeypatch.setattr(firing, "personal_context", real_context)
        # Still fresh: nobody takes it over.
        assert run_tick(due + timedelta(minutes=5)) == {"sent": 0, "failed": 0}
        age_claim(row.id, minutes=11)
        result = run_tick(due + timedelta(minutes=11))
        assert result["resumed"] == 1 and result["reminders"] == 1 and result["sent"] == 3
        [row] = reminder(rule_id(ids, Anchor.DEADLINE, -5 * DAY), ids.meeting)
        assert row.status == ReminderStatus.SENT
        assert "hervat na een onderbreking" in row.note
        everyone = [m.recipient for m in db.session.scalars(select(OutboxMessage))]
        assert sorted(everyone) == sorted(emails(app, "delegate", "noord_chair", "zuid_chair",
                                                 "anna", "dirk", ids=ids))


def test_a_fan_out_that_keeps_dying_fails_visibly(app, monkeypatch):
    """Claimed REMINDER_MAX_ATTEMPTS times and died each time: failed, with a note, not
    taken up for ever; what the attempts queued stays queued (once)."""
    ids = build(app)
    app.config["REMINDER_FANOUT_CHUNK"] = 2
    real_context = firing.personal_context
    calls = []

    def dies_after_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) % 3 == 0:
            raise RuntimeError("process killed")
        return real_context(*args, **kwargs)

    monkeypatch.setattr(firing, "personal_context", dies_after_the_second)
    due = at("2030-03-06T16:00")
    with app.test_request_context():
        rule = rule_id(ids, Anchor.DEADLINE, -5 * DAY)
        for attempt in range(1, 4):
            run_tick(due + timedelta(minutes=attempt))
            [row] = reminder(rule, ids.meeting)
            assert row.status == ReminderStatus.SENDING and row.attempts == attempt
            age_claim(row.id, minutes=11)
        result = run_tick(due + timedelta(minutes=5))
        assert result["reminders_failed"] == 1
        [row] = reminder(rule, ids.meeting)
        assert row.status == ReminderStatus.FAILED and row.status_label == "mislukt"
        assert "3 keer afgebroken" in row.note
        everyone = [m.recipient for m in db.session.scalars(select(OutboxMessage))]
        assert len(everyone) == len(set(everyone)) == 2


def test_a_member_who_responded_after_planning_gets_no_reminder(app):
    ids = build(app)
    with app.app_context():
        # Anna says "geen inbreng" on one item, Dirk gives input: both responded.
        db.session.add(NoInput(user_id=ids.anna, meeting_id=ids.meeting, item_id=ids.items[1]))
        db.session.add(Comment(item_id=ids.items[2], author_id=ids.dirk, text="Eens."))
        db.session.commit()
    with app.test_request_context():
        run_tick(at("2030-03-06T16:00"))
        assert recipients() == emails(app, "delegate", "noord_chair", "zuid_chair", ids=ids)


def test_a_member_who_responded_in_part_sees_only_the_items_still_waiting(app):
    ids = build(app)
    with app.test_request_context():
        rule = add_rule(ids, Audience.ALL)
        db.session.add(NoInput(user_id=ids.anna, meeting_id=ids.meeting, item_id=ids.items[1]))
        db.session.commit()
        run_tick(at("2030-03-09T16:00"))
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.recipient == db.session.get(User, ids.anna).email,
            OutboxMessage.idempotency_key.like(f"reminder:{rule}:%")))
    assert f"?punt={ids.items[0]}\n" in message.body_text
    assert f"?punt={ids.items[1]}\n" not in message.body_text


def test_chairs_get_only_the_names_of_their_own_region(app):
    ids = build(app)
    with app.test_request_context():
        add_rule(ids, Audience.CHAIRS)
        run_tick(at("2030-03-09T16:00"))
        assert recipients() == emails(app, "noord_chair", "zuid_chair", ids=ids)
        by_recipient = {m.recipient: m.body_text for m in db.session.scalars(
            select(OutboxMessage))}
        noord = by_recipient[db.session.get(User, ids.noord_chair).email]
        zuid = by_recipient[db.session.get(User, ids.zuid_chair).email]
    assert "Anna Noord" in noord and "Chantal Noord" in noord
    assert "Bert Noord" not in noord  # responded
    assert "Dirk Zuid" not in noord and "Zeger Zuid" not in noord
    assert "Dirk Zuid" in zuid and "Anna Noord" not in zuid
    assert "Carla Zuid" not in zuid and "Eva Zuid" not in zuid  # responded; inactive


def test_contributors_and_delegates(app):
    ids = build(app)
    with app.test_request_context():
        add_rule(ids, Audience.CONTRIBUTORS)
        run_tick(at("2030-03-09T16:00"))
        assert recipients() == emails(app, "bert", ids=ids)
        run_tick(DEADLINE)  # "consolideer nu" to the delegate, with the input count
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.subject.like("Consolideer nu%")))
        assert message.recipient == emails(app, "delegate", ids=ids).pop()
    assert "Inbreng tot nu toe: 1 reactie; 2 van de 7 leden reageerden." in message.body_text


def test_a_rescheduled_meeting_never_sends_the_stale_reminder(app):
    ids = build(app)
    old_due = at("2030-03-10T16:00")
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids.meeting)
        reschedule_meeting(meeting, db.session.get(User, ids.delegate), starts_at=STARTS,
                           ends_at=STARTS + timedelta(hours=3),
                           input_deadline=DEADLINE + timedelta(days=2))
        db.session.commit()
        run_tick(old_due + timedelta(minutes=1))
        assert recipients() == set()
        rule = rule_id(ids, Anchor.DEADLINE, -1 * DAY)
        rows = reminder(rule, ids.meeting)
        assert [(r.due_at, r.status) for r in rows] == [
            (old_due, ReminderStatus.CANCELLED),
            (old_due + timedelta(days=2), ReminderStatus.PLANNED)]
        run_tick(old_due + timedelta(days=2))
        assert len(recipients()) == 5
        assert all(m.idempotency_key.endswith(f"{(old_due + timedelta(days=2)).isoformat()}")
                   for m in db.session.scalars(select(OutboxMessage)))


def test_a_date_changed_without_replanning_is_still_never_sent(app):
    ids = build(app)
    with app.test_request_context():
        db.session.get(Meeting, ids.meeting).input_deadline = DEADLINE + timedelta(days=1)
        db.session.commit()
        run_tick(at("2030-03-10T16:00"))
        assert recipients() == set()
        [row] = reminder(rule_id(ids, Anchor.DEADLINE, -1 * DAY), ids.meeting)
        assert row.status == ReminderStatus.CANCELLED


def test_moving_back_to_the_old_date_revives_the_cancelled_row(app):
    ids = build(app)
    with app.test_request_context():
        meeting = db.session.get(Meeting, ids.meeting)
        meeting.input_deadline = DEADLINE + timedelta(days=1)
        planning.plan_reminders(meeting, PUBLISHED)
        meeting.input_deadline = DEADLINE
        planning.plan_reminders(meeting, PUBLISHED)
        db.session.commit()
        run_tick(at("2030-03-10T16:00"))
        assert len(recipients()) == 5


def test_a_cancelled_meeting_sends_none(app):
    ids = build(app)
    with app.test_request_context():
        cancel_meeting(db.session.get(Meeting, ids.meeting),
                       db.session.get(User, ids.delegate), "Vervalt")
        db.session.commit()
        statuses = {r.status for r in db.session.scalars(select(Reminder))}
        assert statuses == {ReminderStatus.CANCELLED}
        for moment in ("2030-03-01T09:01", "2030-03-06T16:00", "2030-03-10T16:00",
                       "2030-03-11T16:00", "2030-03-13T09:00", "2030-03-15T12:00"):
            run_tick(at(moment))
        assert recipients() == set()


def test_after_downtime_overdue_reminders_go_out_and_too_late_ones_are_skipped(app):
    ids = build(app)
    with app.test_request_context():
        # The scheduler was down from 15.55 to 16.10 UTC: the -1 day reminder (16.00)
        # is 10 minutes late and goes out; older ones are past the 24 hours and skipped.
        result = run_tick(at("2030-03-10T16:10"))
        assert result["reminders"] == 1 and result["skipped"] == 2
        assert len(recipients()) == 5
        [late] = reminder(rule_id(ids, Anchor.DEADLINE, -5 * DAY), ids.meeting)
        assert late.status == ReminderStatus.SKIPPED
        assert late.note.startswith("te laat")
        [sent] = reminder(rule_id(ids, Anchor.DEADLINE, -1 * DAY), ids.meeting)
        assert sent.status == ReminderStatus.SENT and sent.recipients == 5
        assert run_tick(at("2030-03-10T16:11")) == {"sent": 0, "failed": 0}


def test_max_lateness_is_configurable(app):
    app.config["REMINDER_MAX_LATENESS_HOURS"] = 1
    ids = build(app)
    with app.test_request_context():
        run_tick(at("2030-03-10T17:01"))
        [row] = reminder(rule_id(ids, Anchor.DEADLINE, -1 * DAY), ids.meeting)
        assert row.status == ReminderStatus.SKIPPED


def test_one_day_before_keeps_the_wall_clock_time_across_dst(app):
    # Summer time ends on Sunday 31 October 2027. Deadline: that Sunday 17.00 (CET, 16.00
    # UTC). "1 day before" is Saturday 17.00 (CEST, 15.00 UTC): 25 hours before, planned
    # in September.
    deadline = at("2027-10-31T16:00")
    ids = build(app, published=at("2027-09-20T08:00"), deadline=deadline,
                starts=at("2027-11-03T09:00"))
    with app.test_request_context():
        [row] = reminder(rule_id(ids, Anchor.DEADLINE, -1 * DAY), ids.meeting)
        assert row.due_at == at("2027-10-30T15:00")
        assert deadline - row.due_at == timedelta(hours=25)
        [five] = reminder(rule_id(ids, Anchor.DEADLINE, -5 * DAY), ids.meeting)
        assert five.due_at == at("2027-10-26T15:00")  # 17.00 CEST
        run_tick(at("2027-10-30T14:59"))
        assert row.id not in {r.id for r in db.session.scalars(
            select(Reminder).where(Reminder.status == ReminderStatus.SENT))}
        run_tick(at("2027-10-30T15:00"))
        db.session.refresh(row)
        assert row.status == ReminderStatus.SENT
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.idempotency_key.like(f"reminder:{row.rule_id}:%")))
    assert "nog 1 dag en 1 uur, tot zondag 31 oktober 17.00 uur" in message.body_text


def test_hours_and_minutes_are_exact_across_dst(app):
    with app.app_context():
        moment = at("2027-10-31T01:30")  # 02.30 CET, just after the change
        assert planning.shift(moment, -120) == moment - timedelta(hours=2)
        # 02.30 CEST the day before (00.30 UTC), then one exact hour earlier.
        assert planning.shift(moment, -DAY - 60) == at("2027-10-29T23:30")


def test_statement_condition(app):
    ids = build(app)
    with app.test_request_context():
        run_tick(at("2030-03-13T09:00"))  # meeting -1 day: no statement is final
        assert recipients() == emails(app, "delegate", ids=ids)
    ids = build(app, name="CIO-Beraad")
    with app.test_request_context():
        for item_id in ids.items:
            db.session.add(Statement(item_id=item_id, status=StatementStatus.FINAL))
        db.session.commit()
        run_tick(at("2030-03-13T09:00"))
        [row] = reminder(rule_id(ids, Anchor.MEETING_START, -1 * DAY), ids.meeting)
        assert row.status == ReminderStatus.SKIPPED and row.note.startswith("niet nodig")


def test_outcomes_condition(app):
    ids = build(app)
    with app.test_request_context():
        db.session.get(Meeting, ids.meeting).outcomes_published_at = at("2030-03-14T15:00")
        db.session.commit()
        run_tick(at("2030-03-15T12:00"))
        [row] = reminder(rule_id(ids, Anchor.MEETING_END, DAY), ids.meeting)
        assert row.status == ReminderStatus.SKIPPED
        assert recipients() == set()


def test_agenda_open_goes_out_at_the_first_tick_after_publishing_exactly_once(app):
    ids = build(app, published=None, plan=False)
    with app.test_request_context():
        publish_meeting(db.session.get(Meeting, ids.meeting),
                        db.session.get(User, ids.delegate), now=PUBLISHED)
        db.session.commit()
        assert recipients() == set()  # publishing only plans: the tick sends
        first = run_tick(PUBLISHED + timedelta(minutes=1))
        second = run_tick(PUBLISHED + timedelta(minutes=2))
        everyone = emails(app, "delegate", "noord_chair", "zuid_chair", "anna", "bert",
                          "carla", "dirk", ids=ids)
        assert recipients() == everyone
        assert first["reminders"] == 1 and first["sent"] == 7
        assert second.get("reminders", 0) == 0 and second["sent"] == 0
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert len(messages) == 7
        assert {m.meeting_id for m in messages} == {ids.meeting}
        assert {m.subject for m in messages} == {
            "Geef uw inbreng: Taskforce Samen Organiseren, donderdag 14 maart 2030"}
        assert all(m.status.value == "sent" for m in messages)
        [row] = reminder(rule_id(ids, Anchor.PUBLICATION, 0), ids.meeting)
        assert row.status == ReminderStatus.SENT and row.recipients == 7


def test_agenda_open_rule_switched_off_sends_nothing(app):
    ids = build(app, published=None, plan=False)
    with app.test_request_context():
        rules.toggle_rule(db.session.get(ReminderRule, rule_id(ids, Anchor.PUBLICATION, 0)))
        publish_meeting(db.session.get(Meeting, ids.meeting),
                        db.session.get(User, ids.delegate), now=PUBLISHED)
        db.session.commit()
        run_tick(PUBLISHED + timedelta(minutes=1))
        assert recipients() == set()
        assert reminder(rule_id(ids, Anchor.PUBLICATION, 0), ids.meeting) == []


def test_preferences_off_and_unsubscribed(app):
    ids = build(app)
    with app.test_request_context():
        preferences.set_preference(ids.anna, ids.body, PreferenceMode.OFF)
        preferences.unsubscribe(ids.dirk, ids.body)
        db.session.commit()
        run_tick(at("2030-03-06T16:00"))
        assert recipients() == emails(app, "delegate", "noord_chair", "zuid_chair", ids=ids)
        [row] = reminder(rule_id(ids, Anchor.DEADLINE, -5 * DAY), ids.meeting)
        assert "2 afgemeld" in row.note


def test_daily_digest_collects_the_days_reminders_into_one_message(app):
    ids = build(app)
    with app.test_request_context():
        preferences.set_preference(ids.anna, ids.body, PreferenceMode.DIGEST)
        db.session.commit()
        add_rule(ids, Audience.ALL, offset=-5 * DAY + 60)  # an hour after the -5 days one
        run_tick(at("2030-03-06T16:00"))
        run_tick(at("2030-03-06T17:00"))
        anna = emails(app, "anna", ids=ids).pop()
        assert anna not in recipients()
        assert db.session.scalar(select(db.func.count(DigestEntry.id))) == 2
        run_tick(at("2030-03-07T05:59"))  # 06.59 in Amsterdam: not yet
        assert recipients("reminder_digest") == set()
        run_tick(at("2030-03-07T06:00"))
        run_tick(at("2030-03-07T06:01"))
        [digest] = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "reminder_digest")).all()
    assert digest.recipient == anna
    assert digest.idempotency_key == f"digest:{ids.anna}:2030-03-07"
    assert digest.body_text.count("== ") == 2
    assert "Herinnering: uw inbreng voor" in digest.body_text


def test_insert_of_an_existing_key_is_a_no_op(app):
    with app.app_context():
        fields = dict(kind="test", recipient="a@example.org", subject="x", template="login_link",
                      context={"user": SimpleNamespace(name="A"), "link": "x", "minutes": 1})
        assert queue_message_once(idempotency_key="k:1", **fields) is not None
        db.session.commit()
        assert queue_message_once(idempotency_key="k:1", **fields) is None
        # Also when the existence check is passed by (a concurrent producer's row):
        assert add_once(new_message(idempotency_key="k:1", **fields)) is False
        db.session.commit()
        assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 1


def test_reminders_tick_command(app):
    ids = build(app)
    result = app.test_cli_runner().invoke(
        args=["reminders", "tick", "--now", "2030-03-06T17:00:00+01:00"])
    assert result.exit_code == 0, result.output
    assert "reminders: 1" in result.output and "sent: 5" in result.output
    with app.app_context():
        assert len(reminder(rule_id(ids, Anchor.DEADLINE, -5 * DAY), ids.meeting)) == 1


@pytest.mark.parametrize("offset, text", [
    (0, "bij de deadline voor inbreng"),
    (-5 * DAY, "5 dagen voor de deadline voor inbreng"),
    (-DAY, "1 dag voor de deadline voor inbreng"),
    (150, "2 uur en 30 minuten na de deadline voor inbreng"),
])
def test_describe_offset(offset, text):
    rule = ReminderRule(anchor=Anchor.DEADLINE, offset_minutes=offset)
    assert rules.describe_offset(rule) == text
