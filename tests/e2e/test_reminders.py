"""Reminder pages in the browser: axe (WCAG 2.1 AA) on the rules, the rule form, the
per-meeting overview (with a failed message), the account preferences and the
unsubscribe confirmation; one-click unsubscribe from the confirmation page."""

import pytest

from consult.accounts import services as accounts
from consult.accounts.models import User
from consult.extensions import db
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.meetings.models import Meeting
from consult.reminders import planning, preferences
from consult.reminders.models import PreferenceMode
from tests.e2e.conftest import login_with_password

pytestmark = pytest.mark.e2e

PASSWORD = "een lange zin als wachtwoord"


@pytest.fixture
def delegate_email(app, users):
    with app.app_context():
        user = db.session.get(User, users["delegate"])
        accounts.set_password(user, PASSWORD)
        db.session.commit()
        return user.email


def test_reminder_pages_are_accessible(app, live_server, page, check_a11y, world,
                                       delegate_email):
    with app.test_request_context():
        meeting = db.session.get(Meeting, world["meeting"])
        planning.plan_reminders(meeting)
        db.session.add(OutboxMessage(
            idempotency_key="reminder:test", kind="reminder", recipient="lid@example.org",
            subject="Herinnering", body_text="x", meeting_id=meeting.id, attempts=1,
            status=OutboxStatus.FAILED, last_error="550 5.1.1 Mailbox onbekend"))
        db.session.commit()
    login_with_password(page, live_server, delegate_email)

    page.goto(f"{live_server}/vergaderingen/{world['meeting']}")
    page.get_by_role("link", name="Herinneringen en e-mail").click()
    page.wait_for_url(f"**/vergaderingen/{world['meeting']}/herinneringen")
    assert "550 5.1.1 Mailbox onbekend" in page.content()
    check_a11y(page, "overview")
    page.get_by_role("button", name="Opnieuw versturen aan lid@example.org").click()
    page.wait_for_url(f"**/vergaderingen/{world['meeting']}/herinneringen#berichten")
    assert "wordt opnieuw verstuurd" in page.content()
    check_a11y(page, "overview after resend")

    page.get_by_role("link", name="Herinneringen van Taskforce Samen Organiseren instellen").click()
    check_a11y(page, "rules")
    page.get_by_role("link", name="Nieuwe herinnering").click()
    page.fill("#subject", "")
    page.get_by_role("button", name="Opslaan").click()
    assert "Vul een onderwerp in." in page.content()
    check_a11y(page, "rule form with errors")
    page.fill("#subject", "Nog twee dagen: {vergadering}")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(f"**/overleggen/{world['body']}/herinneringen")
    assert "Nog twee dagen" in page.content()

    page.goto(f"{live_server}/account")
    page.get_by_label("Eén overzicht per dag (om 07.00 uur)").first.check()
    page.get_by_role("button", name="Keuze opslaan").click()
    page.wait_for_url("**/account#herinneringen-kop")
    check_a11y(page, "account with preferences")
    assert page.console_errors == []


def test_unsubscribe_page_is_accessible_and_works_without_a_session(
        app, live_server, page, check_a11y, world):
    with app.test_request_context():
        token = preferences.unsubscribe_token(world["member"], world["body"])
    page.goto(f"{live_server}/afmelden/{token}")
    check_a11y(page, "unsubscribe confirmation")
    page.get_by_role("button", name="Afmelden voor herinneringen").click()
    assert "U bent afgemeld" in page.content()
    check_a11y(page, "unsubscribed")
    with app.app_context():
        pref = preferences.preference(world["member"], world["body"])
        assert preferences.effective_mode(pref) == PreferenceMode.OFF
    page.goto(f"{live_server}/afmelden/{token}x")
    check_a11y(page, "invalid unsubscribe link")
