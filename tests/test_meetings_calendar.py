"""Calendars: the .ics of one meeting and the personal feed behind a secret token."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from consult.accounts.models import Organisation, User
from consult.extensions import db
from consult.meetings.calendar import feed_calendar
from consult.meetings.calendar.services import ensure_calendar_token
from consult.meetings.models import Meeting
from consult.meetings.services import cancel_meeting, reschedule_meeting
from tests.factories import make_body, make_meeting

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def at_local(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


def meeting_at(body, starts_at: datetime, **fields) -> Meeting:
    meeting = make_meeting(body, **fields)
    meeting.starts_at = starts_at
    meeting.ends_at = starts_at + timedelta(hours=3)
    meeting.input_deadline = at_local(2026, starts_at.month, starts_at.day, 17) - timedelta(days=3)
    return meeting


def create_meeting(app, starts_at=None, **fields) -> int:
    with app.app_context():
        body = make_body(fields.pop("body_name", "Taskforce Samen Organiseren"),
                         organisations=fields.pop("organisations", None),
                         delegates=fields.pop("delegates", ()))
        meeting = (make_meeting(body, **fields) if starts_at is None
                   else meeting_at(body, starts_at, **fields))
        db.session.commit()
        return meeting.id


def give_token(app, user_id: int) -> str:
    with app.app_context():
        token = ensure_calendar_token(db.session.get(User, user_id))
        db.session.commit()
        return token


# --- one meeting -------------------------------------------------------------------

@pytest.mark.parametrize(("day", "utc_hour"), [(26, 8), (2, 7)],
                         ids=["CET before DST change", "CEST after DST change"])
def test_meeting_ics_has_meeting_and_deadline_at_the_right_times(app, client, auth, day,
                                                                 utc_hour):
    month = 3 if day == 26 else 4
    starts_at = at_local(2026, month, day, 9, 30)
    meeting_id = create_meeting(app, starts_at, location="VNG, Nassaulaan 12, Den Haag")
    auth.login("member")

    response = client.get(f"/vergaderingen/{meeting_id}/agenda.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"tf-2026-{month:02d}-{day:02d}.ics" in disposition
    calendar = parse(response.data)
    assert str(calendar["PRODID"]) == "-//Consult//NL"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    found = events(calendar)
    assert set(found) == {f"meeting-{meeting_id}@consult", f"deadline-{meeting_id}@consult"}

    event = found[f"meeting-{meeting_id}@consult"]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == starts_at and end == starts_at + timedelta(hours=3)
    assert (start.astimezone(UTC).hour, start.astimezone(UTC).minute) == (utc_hour, 30)
    local = start.astimezone(AMSTERDAM)
    assert (local.year, local.month, local.day, local.hour, local.minute) == (
        2026, month, day, 9, 30)
    assert end.astimezone(AMSTERDAM).hour == 12
    assert str(event["SUMMARY"]) == "Vergadering Taskforce Samen Organiseren"
    assert str(event["LOCATION"]) == "VNG, Nassaulaan 12, Den Haag"
    assert f"http://localhost/vergaderingen/{meeting_id}" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "DTSTAMP" in event and "LAST-MODIFIED" in event and "SEQUENCE" in event

    deadline = found[f"deadline-{meeting_id}@consult"]
    with app.app_context():
        expected_deadline = db.session.get(Meeting, meeting_id).input_deadline
    assert deadline.decoded("DTEND") == expected_deadline
    assert deadline.decoded("DTEND").astimezone(AMSTERDAM).hour == 17
    assert deadline.decoded("DTSTART") == expected_deadline - timedelta(minutes=15)
    assert str(deadline["SUMMARY"]).startswith(
        "Deadline inbreng: Taskforce Samen Organiseren, donderdag")
    assert f"/vergaderingen/{meeting_id}" in str(deadline["DESCRIPTION"])
    alarms = deadline.walk("VALARM")
    assert len(alarms) == 1
    assert alarms[0].decoded("TRIGGER") == timedelta(days=-1)


def test_times_are_written_as_utc(app, client, auth):
    meeting_id = create_meeting(app, at_local(2026, 3, 26, 9, 30))
    auth.login("member")
    text = client.get(f"/vergaderingen/{meeting_id}/agenda.ics").get_data(as_text=True)
    assert "DTSTART:20260326T083000Z" in text


def test_draft_meeting_ics_is_403_for_members_and_fine_for_its_delegate(app, client, auth,
                                                                        users):
    with app.app_context():
        body = make_body(delegates=[db.session.get(User, users["delegate"])])
        meeting_id = make_meeting(body, published=False).id
        db.session.commit()
    auth.login("member")
    assert client.get(f"/vergaderingen/{meeting_id}/agenda.ics").status_code == 403
    auth.login("delegate")
    assert client.get(f"/vergaderingen/{meeting_id}/agenda.ics").status_code == 200


def test_anonymous_is_sent_to_login_for_a_meeting_ics(app, client, users):
    meeting_id = create_meeting(app)
    response = client.get(f"/vergaderingen/{meeting_id}/agenda.ics")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen?next=")


def test_rescheduling_raises_the_sequence_and_cancelling_marks_cancelled(app, client, auth,
                                                                         users):
    meeting_id = create_meeting(app)
    auth.login("member")

    def meeting_event():
        data = client.get(f"/vergaderingen/{meeting_id}/agenda.ics").data
        return events(parse(data))[f"meeting-{meeting_id}@consult"]

    before = int(meeting_event()["SEQUENCE"])
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        delegate = db.session.get(User, users["delegate"])
        reschedule_meeting(meeting, delegate, starts_at=meeting.starts_at + timedelta(hours=1),
                           ends_at=meeting.ends_at + timedelta(hours=1),
                           input_deadline=meeting.input_deadline)
        db.session.commit()
        new_start = meeting.starts_at
    moved = meeting_event()
    assert int(moved["SEQUENCE"]) > before
    assert moved.decoded("DTSTART") == new_start

    with app.app_context():
        cancel_meeting(db.session.get(Meeting, meeting_id),
                       db.session.get(User, users["delegate"]), "Geen agendapunten")
        db.session.commit()
    calendar = parse(client.get(f"/vergaderingen/{meeting_id}/agenda.ics").data)
    cancelled = events(calendar)
    assert {str(event["STATUS"]) for event in cancelled.values()} == {"CANCELLED"}
    assert int(cancelled[f"meeting-{meeting_id}@consult"]["SEQUENCE"]) > int(
        moved["SEQUENCE"])
    assert not calendar.walk("VALARM")


# --- the personal feed ---------------------------------------------------------------

def test_feed_has_only_upcoming_published_meetings_of_the_users_bodies(app, client, users):
    with app.app_context():
        mine = make_body("Taskforce Samen Organiseren")
        other = make_body("CIO-Beraad – VNG", short_name="CIO",
                          organisations=[Organisation.CIO])
        elsewhere = make_body("Regio Oost", short_name="Oost", regions=["Oost"])
        upcoming = make_meeting(mine, starts_in_days=10)
        today = make_meeting(mine, starts_in_days=-0.05, deadline_in_days=-3)  # under way
        draft = make_meeting(mine, starts_in_days=12, published=False)
        past = make_meeting(mine, starts_in_days=-5, deadline_in_days=-9)
        cancelled = make_meeting(mine, starts_in_days=20, deadline_in_days=15)
        cancelled.cancelled_at = cancelled.published_at
        not_my_organisation = make_meeting(other, starts_in_days=10)
        not_my_region = make_meeting(elsewhere, starts_in_days=10)
        ids = {"upcoming": upcoming.id, "today": today.id, "draft": draft.id, "past": past.id,
               "cancelled": cancelled.id, "not_my_organisation": not_my_organisation.id,
               "not_my_region": not_my_region.id}
        db.session.commit()
    token = give_token(app, users["member"])

    response = client.get(f"/agenda/{token}.ics")  # no login: the token is the key

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse(response.data)
    assert str(calendar["X-WR-CALNAME"])
    assert str(calendar["METHOD"]) == "PUBLISH"
    uids = set(events(calendar))
    assert uids == {f"{kind}-{ids[name]}@consult"
                    for name in ("upcoming", "today") for kind in ("meeting", "deadline")}
    for name in ("draft", "past", "cancelled", "not_my_organisation", "not_my_region"):
        assert f"meeting-{ids[name]}@consult" not in uids


def test_delegates_also_get_the_bodies_they_manage(app, client, users):
    with app.app_context():
        delegate = db.session.get(User, users["delegate"])
        body = make_body("CIO-Beraad – VNG", short_name="CIO",
                         organisations=[Organisation.CIO], delegates=[delegate])
        meeting_id = make_meeting(body).id
        db.session.commit()
    member_token = give_token(app, users["member"])
    delegate_token = give_token(app, users["delegate"])
    assert f"meeting-{meeting_id}@consult" in events(
        parse(client.get(f"/agenda/{delegate_token}.ics").data))
    assert not events(parse(client.get(f"/agenda/{member_token}.ics").data))


def test_feed_service_with_a_fixed_now_keeps_amsterdam_wall_clock(app, users):
    with app.app_context():
        body = make_body()
        march = meeting_at(body, at_local(2026, 3, 26, 9, 30))
        april = meeting_at(body, at_local(2026, 4, 2, 9, 30))
        db.session.commit()
        user = db.session.get(User, users["member"])
        with app.test_request_context():
            data = feed_calendar(user, now=at_local(2026, 3, 1, 12))
        found = events(parse(data))
        for meeting, utc_hour in ((march, 8), (april, 7)):
            start = found[f"meeting-{meeting.id}@consult"].decoded("DTSTART")
            assert start.astimezone(UTC).hour == utc_hour
            assert (start.astimezone(AMSTERDAM).hour, start.astimezone(AMSTERDAM).minute) == (
                9, 30)
        with app.test_request_context():
            later = events(parse(feed_calendar(user, now=at_local(2026, 3, 30, 12))))
        assert set(later) == {f"meeting-{april.id}@consult", f"deadline-{april.id}@consult"}


def test_unknown_token_is_404(client, users):
    assert client.get("/agenda/onbekend.ics").status_code == 404
    assert client.get("/agenda/.ics").status_code == 404


def test_renewing_revokes_the_old_url(app, client, auth, users):
    old = give_token(app, users["member"])
    auth.login("member")
    response = client.post("/account/agenda-link/vernieuwen")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    with app.app_context():
        new = db.session.get(User, users["member"]).calendar_token
    assert new and new != old
    assert client.get(f"/agenda/{old}.ics").status_code == 404
    assert client.get(f"/agenda/{new}.ics").status_code == 200


def test_create_keeps_an_existing_token(app, client, auth, users):
    token = give_token(app, users["member"])
    auth.login("member")
    assert client.post("/account/agenda-link/maken").status_code == 303
    with app.app_context():
        assert db.session.get(User, users["member"]).calendar_token == token


def test_a_deactivated_users_feed_is_404(app, client, users):
    token = give_token(app, users["member"])
    assert client.get(f"/agenda/{token}.ics").status_code == 200
    with app.app_context():
        db.session.get(User, users["member"]).active = False
        db.session.commit()
    assert client.get(f"/agenda/{token}.ics").status_code == 404


def test_account_page_offers_a_link_and_shows_it_once_made(app, client, auth, users):
    auth.login("member")
    page = client.get("/account").get_data(as_text=True)
    assert "Agenda-koppeling" in page
    assert 'action="/account/agenda-link/maken"' in page
    assert "/agenda/" not in page

    response = client.post("/account/agenda-link/maken", follow_redirects=True)
    page = response.get_data(as_text=True)
    with app.app_context():
        token = db.session.get(User, users["member"]).calendar_token
    assert token
    assert f'value="http://localhost/agenda/{token}.ics"' in page
    assert 'for="agenda-link"' in page and 'id="agenda-link"' in page and "readonly" in page
    assert 'action="/account/agenda-link/vernieuwen"' in page
    assert "Nieuwe link maken" in page
