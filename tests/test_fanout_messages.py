"""A reminder's fan-out renders its templates once per shape of message and fills in
each member's name and links (issue 17): the result is exactly what rendering the
templates for every member gives. And the delivered bytes: built directly, they parse
back to the same texts, headers and files."""

import email
from datetime import timedelta
from email import policy

import pytest
from flask import render_template

from consult.accounts.models import User
from consult.extensions import db
from consult.mail import building
from consult.mail.building import email_bytes, new_message
from consult.mail.tokens import reply_addresses
from consult.meetings.models import Meeting
from consult.reminders import firing
from consult.reminders.models import Anchor, Audience, Reminder, ReminderRule
from tests.test_reminders_services import DAY, build


@pytest.mark.parametrize("audience", [Audience.ALL, Audience.NON_RESPONDERS, Audience.CHAIRS])
def test_rendered_once_per_shape_is_rendered_for_everyone(app, audience):
    ids = build(app)
    with app.test_request_context():
        db.session.get(User, ids.anna).name = 'Anna "& <Noord>"'  # escaped in the HTML
        rule = ReminderRule(body_id=ids.body, anchor=Anchor.DEADLINE, offset_minutes=-5 * DAY,
                            audience=audience, subject="Herinnering {overleg}",
                            message="Graag uw inbreng voor {vergadering}.")
        db.session.add(rule)
        db.session.flush()
        meeting = db.session.get(Meeting, ids.meeting)
        reminder = Reminder(meeting=meeting, rule=rule, due_at=meeting.input_deadline)
        fanout = firing.read_fanout(reminder, meeting.input_deadline - timedelta(days=5))
        replies = reply_addresses(meeting.id, [r.user.id for r in fanout.recipients])
        assert len(fanout.recipients) >= 2
        for recipient in fanout.recipients:
            context = firing.personal_context(recipient, rule, meeting, fanout.shared,
                                              fanout.responses)
            context["reply_address"] = replies.get(recipient.user.id)
            expected = (render_template("emails/reminder.txt", **context),
                        render_template("emails/reminder.html", subject=fanout.subject,
                                        **context))
            assert fanout.placeholders.bodies(context) == expected
        # Fewer renderings than members: the shapes repeat.
        assert len(fanout.placeholders.rendered) < len(fanout.recipients) or audience == \
            Audience.CHAIRS


def test_delivered_bytes_parse_back_to_what_was_queued(app):
    text = "Eerste regel met spatie aan het eind \nÉén, twee: ☃\n" + "lang " * 80 + "\n.punt"
    html = "<p>Één &amp; twee</p>"
    calendar = ("vergadering-ë.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    with app.test_request_context():
        messages = [new_message(kind="reminder", recipient=f"lid{n}@example.org",
                                subject="Herinnering: geef uw inbreng — Taskforce é",
                                template="reminder_section", context={}, attachments=[calendar])
                    for n in range(2)]
        for number, message in enumerate(messages, start=1):
            message.id, message.body_text, message.body_html = number, text, html
        building.file_part.cache_clear()
        raw = [email_bytes(message) for message in messages]
        assert building.file_part.cache_info().hits == 1  # the .ics encoded once
    assert all(b"\n" not in line for data in raw for line in data.split(b"\r\n"))
    parsed = email.message_from_bytes(raw[0], policy=policy.default)
    assert parsed["Subject"] == "Herinnering: geef uw inbreng — Taskforce é"
    assert parsed["To"] == "lid0@example.org" and parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n") == text
    assert parsed.get_body(("html",)).get_content().rstrip("\n") == html
    [ics] = list(parsed.iter_attachments())
    assert ics.get_filename() == "vergadering-ë.ics"
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_payload(decode=True) == calendar[2]


def test_on_sqlite_one_process_delivers_at_a_time(app):
    """While another holds the delivery turn (an flock beside the database), a run waits
    MAIL_DELIVERY_TURN_SECONDS without holding the write lock, then leaves the messages
    to it; afterwards it delivers them."""
    import fcntl

    from sqlalchemy import select

    from consult.mail.delivery import deliver_pending
    from consult.mail.models import OutboxMessage, OutboxStatus
    from consult.mail.services import queue_message

    with app.app_context():
        if db.engine.url.get_backend_name() != "sqlite":
            # PostgreSQL delivers in parallel: no turn to wait for.
            assert deliver_pending().sent == 0
            return
        queue_message(kind="test", recipient="lid@example.org", subject="Onderwerp",
                      template="login_link", context={"user": User(name="Anouk"),
                                                      "link": "http://x/", "minutes": 15})
        db.session.commit()
        app.config["MAIL_DELIVERY_TURN_SECONDS"] = 0.3
        with open(f"{db.engine.url.database}.delivery-turn", "a") as other:
            fcntl.flock(other, fcntl.LOCK_EX)  # another process delivering
            report = deliver_pending()
            # It did not keep a transaction (SQLite's write lock) while it waited.
            assert not db.session().in_transaction()
            assert (report.sent, db.session.scalar(select(OutboxMessage.status))) == (
                0, OutboxStatus.PENDING)
            db.session.rollback()
            fcntl.flock(other, fcntl.LOCK_UN)
        assert deliver_pending().sent == 1
