"""The pages: rules per body, the per-meeting overview with failed mail and resend,
preferences on the account page, and the one-click unsubscribe link (RFC 8058)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.meetings.models import Body, Meeting
from consult.reminders import planning, preferences
from consult.reminders.models import (
    Anchor,
    Audience,
    PreferenceMode,
    Reminder,
    ReminderPreference,
    ReminderRule,
    ReminderStatus,
)
from consult.scheduler import run_tick
from tests.test_mail_smtp import smtp_server  # noqa: F401  (fixture)
from tests.test_reminders_services import DAY, at, build


def test_a_550_is_failed_and_visible_in_the_overview_and_can_be_resent(
        app, client, auth, users, smtp_server):  # noqa: F811
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_TIMEOUT=5)
    ids = build(app)
    with app.app_context():
        from consult.accounts.models import User

        # The users fixture's delegate manages this body too.
        body = db.session.get(Body, ids.body)
        body.delegates.append(db.session.get(User, users["delegate"]))
        db.session.commit()
    smtp_server.answers = ["550 5.1.1 Mailbox onbekend"]
    with app.test_request_context():
        run_tick(at("2030-03-10T16:00"))
    auth.login("delegate")
    page = client.get(f"/vergaderingen/{ids.meeting}/herinneringen").get_data(as_text=True)
    assert "mislukt" in page and "550 5.1.1 Mailbox onbekend" in page
    assert re.search(r"\d+ verstuurd, 0 in de wachtrij, 1 mislukt", page)
    assert page.count("Opnieuw versturen") == 1
    with app.app_context():
        failed_id = db.session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.status == OutboxStatus.FAILED))
    response = client.post(f"/vergaderingen/{ids.meeting}/berichten/{failed_id}/opnieuw")
    assert response.status_code == 303
    with app.app_context():
        failed = db.session.get(OutboxMessage, failed_id)
        assert failed.status == OutboxStatus.PENDING and failed.attempts == 0
        run_tick()
        db.session.refresh(failed)
        assert failed.status == OutboxStatus.SENT
    with app.app_context():
        total = db.session.scalar(select(db.func.count(OutboxMessage.id)))
    assert len(smtp_server.received) == total  # the failed one after the resend


def test_resend_only_for_messages_of_this_meeting(app, client, auth, world):
    with app.app_context():
        other = OutboxMessage(idempotency_key="x:1", kind="test", recipient="a@example.org",
                              subject="x", body_text="x", status=OutboxStatus.FAILED)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    auth.login("delegate")
    assert client.post(f"/vergaderingen/{world['meeting']}/berichten/{other_id}/opnieuw"
                       ).status_code == 404


def test_rules_can_be_added_edited_switched_off_and_deleted(app, client, auth, world):
    auth.login("delegate")
    page = client.get(f"/overleggen/{world['body']}/herinneringen").get_data(as_text=True)
    assert "5 dagen voor de deadline voor inbreng" in page
    response = client.post(f"/overleggen/{world['body']}/herinneringen/nieuw", data={
        "amount": "2", "unit": "hours", "direction": "after", "anchor": "meeting_end",
        "audience": "contributors", "condition": "none",
        "subject": "Dank voor uw inbreng op {vergadering}", "message": "Dank!", "active": "y"})
    assert response.status_code == 303
    with app.app_context():
        rule = db.session.scalar(select(ReminderRule).where(
            ReminderRule.subject.like("Dank%")))
        assert (rule.offset_minutes, rule.audience) == (120, Audience.CONTRIBUTORS)
        # Re-planned for the published meeting of the body at once.
        row = db.session.scalar(select(Reminder).where(Reminder.rule_id == rule.id))
        meeting = db.session.get(Meeting, world["meeting"])
        assert row.due_at == meeting.ends_at + timedelta(hours=2)
        rule_id = rule.id
    assert client.post(f"/herinneringsregels/{rule_id}", data={
        "amount": "0", "unit": "days", "direction": "after", "anchor": "meeting_end",
        "audience": "contributors", "condition": "none", "subject": "",
        "message": ""}).status_code == 422
    assert client.post(f"/herinneringsregels/{rule_id}/aan-uit").status_code == 303
    with app.app_context():
        assert db.session.get(ReminderRule, rule_id).active is False
        assert db.session.scalar(select(Reminder.status).where(
            Reminder.rule_id == rule_id)) == ReminderStatus.CANCELLED
    assert client.post(f"/herinneringsregels/{rule_id}/verwijderen").status_code == 303
    with app.app_context():
        assert db.session.get(ReminderRule, rule_id) is None


def test_the_form_shows_an_existing_offset(app, client, auth, world):
    auth.login("admin")
    with app.app_context():
        rule = db.session.scalar(select(ReminderRule).where(
            ReminderRule.body_id == world["body"], ReminderRule.offset_minutes == -5 * DAY))
    page = client.get(f"/herinneringsregels/{rule.id}").get_data(as_text=True)
    assert re.search(r'id="amount"[^>]*value="5"', page)
    assert '<option selected value="days">' in page
    assert '<option selected value="before">' in page


def unsubscribe_url(app, user_id, body_id) -> str:
    with app.test_request_context():
        return f"/afmelden/{preferences.unsubscribe_token(user_id, body_id)}"


def preference_mode(app, user_id, body_id):
    with app.app_context():
        return preferences.effective_mode(preferences.preference(user_id, body_id))


def test_unsubscribe_get_confirms_and_post_without_session_unsubscribes(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True  # the POST must work without a CSRF token
    url = unsubscribe_url(app, world["member"], world["body"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Afmelden voor herinneringen" in page.get_data(as_text=True)
    assert preference_mode(app, world["member"], world["body"]) == PreferenceMode.EACH
    # RFC 8058 one-click: a mail client POSTs this body, with no cookies at all.
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "U bent afgemeld" in response.get_data(as_text=True)
    assert preference_mode(app, world["member"], world["body"]) == PreferenceMode.OFF
    with app.app_context():
        assert db.session.scalar(select(ReminderPreference.unsubscribed_at)) is not None


@pytest.mark.parametrize("tamper", ["forged", "other_body", "truncated"])
def test_a_forged_token_is_refused(app, client, world, tamper):
    from itsdangerous import URLSafeSerializer

    url = unsubscribe_url(app, world["member"], world["body"])
    if tamper == "forged":
        token = URLSafeSerializer("wrong-key", salt=preferences.UNSUBSCRIBE_SALT).dumps(
            [world["member"], world["body"]])
        url = f"/afmelden/{token}"
    elif tamper == "other_body":
        signature = url.rsplit(".", 1)[1]
        other = unsubscribe_url(app, world["member"], world["other"]).rsplit("/", 1)[1]
        url = f"/afmelden/{other.split('.')[0]}.{signature}"
    else:
        url = url[:-3]
    for method in ("GET", "POST"):
        response = client.open(url, method=method)
        assert response.status_code == 404
        assert "Deze afmeldlink werkt niet" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ReminderPreference)) is None


def test_preferences_on_the_account_page(app, client, auth, world):
    auth.login("member")
    page = client.get("/account").get_data(as_text=True)
    assert 'id="herinneringen-kop"' in page
    assert f'name="mode-{world["body"]}"' in page
    response = client.post("/account/herinneringen", data={f"mode-{world['body']}": "digest"})
    assert response.status_code == 303
    assert preference_mode(app, world["member"], world["body"]) == PreferenceMode.DIGEST
    client.post("/account/herinneringen", data={f"mode-{world['body']}": "nonsense"})
    assert preference_mode(app, world["member"], world["body"]) == PreferenceMode.DIGEST


def test_meeting_page_links_managers_to_the_overview(app, client, auth, world):
    auth.login("delegate")
    page = client.get(f"/vergaderingen/{world['meeting']}").get_data(as_text=True)
    assert f"/vergaderingen/{world['meeting']}/herinneringen" in page
    auth.login("member")
    page = client.get(f"/vergaderingen/{world['meeting']}").get_data(as_text=True)
    assert "/herinneringen" not in page


def test_overview_lists_planned_reminders(app, client, auth, world):
    with app.test_request_context():
        meeting = db.session.get(Meeting, world["meeting"])
        planning.plan_reminders(meeting)
        db.session.commit()
    auth.login("admin")
    page = client.get(f"/vergaderingen/{world['meeting']}/herinneringen").get_data(as_text=True)
    assert "gepland" in page
    assert "1 dag voor de deadline voor inbreng" in page


def agenda_open_rule(app, body_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(ReminderRule.id).where(
            ReminderRule.body_id == body_id, ReminderRule.anchor == Anchor.PUBLICATION,
            ReminderRule.offset_minutes == 0))


def test_agenda_open_is_a_rule_and_its_mail_is_in_the_meeting_overview(
        app, client, auth, world):
    auth.login("delegate")
    page = client.get(f"/overleggen/{world['body']}/herinneringen").get_data(as_text=True)
    assert "Bij de publicatie" in page and "Geef uw inbreng: {vergadering}" in page
    assert client.post(f"/vergaderingen/{world['draft']}/publiceren").status_code == 303
    with app.test_request_context():
        assert db.session.scalar(select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.meeting_id == world["draft"])) == 0  # sent by the tick
        run_tick()
        messages = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.meeting_id == world["draft"])).all()
        assert messages and all(m.subject.startswith("Geef uw inbreng: ") for m in messages)
    overview = client.get(f"/vergaderingen/{world['draft']}/herinneringen"
                          ).get_data(as_text=True)
    assert messages[0].recipient in overview and "verstuurd" in overview


def test_agenda_open_switched_off_in_the_rules_page_sends_nothing(app, client, auth, world):
    auth.login("delegate")
    rule_id = agenda_open_rule(app, world["body"])
    assert client.post(f"/herinneringsregels/{rule_id}/aan-uit").status_code == 303
    assert client.post(f"/vergaderingen/{world['draft']}/publiceren").status_code == 303
    with app.test_request_context():
        run_tick()
        assert db.session.scalar(select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.meeting_id == world["draft"])) == 0
        assert db.session.get(ReminderRule, rule_id).active is False
