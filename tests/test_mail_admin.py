"""Issue 15 finding 7: every failed message, of every kind, in one admin page with the
outbox counts, and sent again from there; an expired login link is not."""

from datetime import timedelta

from sqlalchemy import select

from consult.database import utcnow
from consult.extensions import db
from consult.mail.delivery import deliver_pending
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.mail.services import queue_message
from tests.test_mail_smtp import app_config, smtp_server  # noqa: F401  (fixtures)

KINDS = ("feedback", "login_link", "invite", "nudge", "new_input", "reminder_digest",
         "reminder", "secretariat")


def queue_kind(kind: str, recipient: str) -> OutboxMessage:
    return queue_message(
        kind=kind, recipient=recipient, subject=f"Bericht {kind}", template="login_link",
        context={"user": type("U", (), {"name": "Anouk"}), "link": "http://x/", "minutes": 15})


def failed_world(app, smtp_server):  # noqa: F811
    """One failed message per kind (550), one held, one pending and one sent."""
    smtp_server.answers = ["550 5.1.1 Onbekende ontvanger"] * len(KINDS)
    with app.app_context():
        for kind in KINDS:
            queue_kind(kind, f"{kind}@example.org")
        db.session.commit()
        assert deliver_pending().failed == len(KINDS)
        queue_kind("reminder", "gelukt@example.org")
        db.session.commit()
        assert deliver_pending().sent == 1
        queue_kind("reminder", "onzeker@example.org").status = OutboxStatus.HELD
        queue_kind("reminder", "wacht@example.org").next_attempt_at = (
            utcnow() + timedelta(hours=1))  # waits for a retry
        db.session.commit()
        return {m.recipient: m.id for m in db.session.scalars(select(OutboxMessage))}


def test_every_failed_kind_is_listed_with_the_counts(app, client, auth, smtp_server):  # noqa: F811
    ids = failed_world(app, smtp_server)
    auth.login("admin")
    page = client.get("/beheer/berichten").get_data(as_text=True)
    for kind in KINDS:
        assert f"{kind}@example.org" in page
    assert "onzeker@example.org" in page
    assert "gelukt@example.org" not in page and "wacht@example.org" not in page
    assert "<strong>1</strong> in de wachtrij" in page
    assert f"<strong>{len(KINDS)}</strong> mislukt" in page
    assert "<strong>1</strong> onzeker" in page
    assert "550 5.1.1 Onbekende ontvanger" in page
    # Resendable: every kind but the login link.
    assert page.count("Opnieuw versturen<span") == len(KINDS) - 1 + 1  # + the held one
    assert f"/beheer/berichten/{ids['login_link@example.org']}/opnieuw" not in page
    assert "vraagt een nieuwe aan" in page


def test_resend_from_the_admin_page(app, client, auth, smtp_server):  # noqa: F811
    ids = failed_world(app, smtp_server)
    auth.login("admin")
    for recipient in ("feedback@example.org", "onzeker@example.org"):
        response = client.post(f"/beheer/berichten/{ids[recipient]}/opnieuw")
        assert response.status_code == 303
    response = client.post(f"/beheer/berichten/{ids['login_link@example.org']}/opnieuw")
    assert response.status_code == 303
    assert "vraagt een nieuwe aan" in client.get("/beheer/berichten").get_data(as_text=True)
    with app.app_context():
        assert deliver_pending().sent == 2
        status = {m.recipient: m.status for m in db.session.scalars(select(OutboxMessage))}
    assert status["feedback@example.org"] == status["onzeker@example.org"] == OutboxStatus.SENT
    assert status["login_link@example.org"] == OutboxStatus.FAILED
    assert sorted(m["To"] for m in smtp_server.received) == [
        "feedback@example.org", "gelukt@example.org", "onzeker@example.org"]


def test_only_admins_see_it(client, auth):
    auth.login("delegate")
    assert client.get("/beheer/berichten").status_code == 403
    auth.login("admin")
    assert 'href="/beheer/berichten"' in client.get("/").get_data(as_text=True)
