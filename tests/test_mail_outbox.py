import email
import threading
from email import policy
from pathlib import Path

from sqlalchemy import func, select

from consult.database import utcnow
from consult.extensions import db
from consult.mail.delivery import deliver_pending
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.mail.services import queue_message
from consult.scheduler import run_tick
from tests.conftest import count_queries


def queue(number: int = 1, name: str = "Anouk <Smit>"):
    for n in range(number):
        queue_message(
            kind="test", recipient=f"lid{n}@example.org", subject="Onderwerp met ë",
            template="login_link",
            context={"user": type("U", (), {"name": name}), "link": "http://x/", "minutes": 15},
        )


def eml_files(app) -> list[Path]:
    return sorted(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))


def test_queued_message_is_delivered_as_eml_once(app, caplog):
    with app.app_context():
        queue()
        db.session.commit()
        assert eml_files(app) == []  # nothing leaves until delivery runs
        with caplog.at_level("INFO", logger="consult.mail"):
            assert deliver_pending().sent == 1
        assert "written to" in caplog.text
        assert deliver_pending().sent == 0
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == OutboxStatus.SENT and message.attempts == 1
    [path] = eml_files(app)
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "lid0@example.org"
    assert parsed["Subject"] == "Onderwerp met ë"
    assert parsed.get_body(("plain",)).get_content().startswith("Beste Anouk <Smit>,")
    html = parsed.get_body(("html",)).get_content()
    assert "Anouk &lt;Smit&gt;" in html  # autoescaped in HTML mail


def test_a_rolled_back_transaction_sends_nothing(app):
    with app.app_context():
        queue()
        db.session.rollback()
        assert deliver_pending().sent == 0
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_messages_are_not_delivered_before_their_time(app):
    from datetime import timedelta

    with app.app_context():
        queue()
        db.session.scalar(select(OutboxMessage)).next_attempt_at = utcnow() + timedelta(hours=1)
        db.session.commit()
        assert run_tick() == {"sent": 0, "failed": 0}


def test_concurrent_deliveries_send_each_message_once(app):
    with app.app_context():
        queue(30)
        db.session.commit()
    results = []

    def deliver():
        with app.app_context():
            results.append(deliver_pending().sent)
            db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 30
    assert len(eml_files(app)) == 30


def test_mail_deliver_command(app):
    with app.app_context():
        queue(2)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert "2 verstuurd, 0 mislukt." in result.output


def test_delivery_claims_in_batches_and_commits_each_outcome(app):
    """Per batch a select of due ids, one claim and one load (messages, then their
    attachments); per message one update: no query per claim."""
    app.config["MAIL_CLAIM_BATCH"] = 20
    with app.app_context():
        queue(45)
        db.session.commit()
    with count_queries(app) as statements, app.app_context():
        assert deliver_pending().sent == 45

    def starting(word):
        return [s for s in statements if s.lstrip().upper().startswith(word)]

    claims = [s for s in starting("UPDATE OUTBOX_MESSAGE") if "RETURNING" in s.upper()]
    outcomes = [s for s in starting("UPDATE OUTBOX_MESSAGE") if "RETURNING" not in s.upper()]
    due = [s for s in starting("SELECT OUTBOX_MESSAGE.ID \n") if "LIMIT" in s.upper()]
    assert len(due) == 4  # 20 + 20 + 5, then none left ends the run
    assert len(claims) == 3
    assert len(starting("SELECT")) == len(due) + 3 * 2  # + the messages and attachments
    assert len(outcomes) == 1 + 45  # releasing stuck claims, then one per message
    # Nothing else (SQLite's BEGIN IMMEDIATE aside: on PostgreSQL the driver begins).
    others = [s for s in statements if not s.startswith("BEGIN")]
    assert len(others) == len(starting("SELECT")) + len(claims) + len(outcomes)


def test_a_message_about_a_meeting_knows_its_meeting(app):
    """The mail overview of a meeting lists its messages by meeting_id: taken from the
    meeting or agenda item in the context when the producer does not pass it."""
    from types import SimpleNamespace

    from consult.mail.building import message_row

    fields = dict(kind="test", recipient="a@example.org", subject="x", template="login_link")
    context = {"user": SimpleNamespace(name="A"), "link": "http://x/", "minutes": 15}
    with app.app_context():
        def meeting_of(**extra):
            return message_row(context={**context, **extra}, **fields)["meeting_id"]

        assert meeting_of() is None
        assert meeting_of(meeting=SimpleNamespace(id=5)) == 5
        assert meeting_of(item=SimpleNamespace(meeting_id=6)) == 6
        assert message_row(context={**context, "meeting": SimpleNamespace(id=5)},
                           meeting_id=7, **fields)["meeting_id"] == 7
