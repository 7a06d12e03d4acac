"""From a real reminder to stored input in two clicks: open the personal link in the mail,
type, send. The link opens that meeting only: the dashboard and another meeting ask for
a login."""

import re

import pytest
from sqlalchemy import select

from consult.comments.models import Comment
from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.reminders.planning import plan_reminders
from consult.scheduler import run_tick
from tests.factories import make_body, make_meeting, make_user

pytestmark = pytest.mark.e2e


@pytest.fixture
def reminded(app, live_server):
    """A meeting just published: the tick sends "agenda open" to Jan (the BASE_URL is
    the live server's, so the link in the mail points there)."""
    with app.test_request_context():
        member = make_user(name="Jan Jansen", email="j.jansen@zwolle.nl", region="Noord")
        body = make_body(delegates=[make_user("delegate", name="Mirjam Kok")])
        meeting = make_meeting(body, items=2)
        other = make_meeting(body, starts_in_days=30, deadline_in_days=25)
        meeting.published_at = utcnow()
        db.session.commit()
        plan_reminders(meeting, now=meeting.published_at)
        db.session.commit()
        run_tick(utcnow())
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.recipient == member.email, OutboxMessage.kind == "reminder"))
        link = re.search(r"(http://127\.0\.0\.1:\d+/toegang/\d+/[a-z2-7]+)\s", message.body_text)
        return {"link": link.group(1), "meeting": meeting.id, "item": meeting.items[0].id,
                "other": other.id, "member": member.id}


def test_from_a_reminder_to_input_in_two_clicks(app, live_server, page, check_a11y, reminded):
    page.goto(reminded["link"])  # click 1: the link in the mail
    page.wait_for_url(f"{live_server}/vergaderingen/{reminded['meeting']}")
    assert "Herkend als" in page.locator(".site-header__user").inner_text()
    check_a11y(page, "meeting page by link")
    item = reminded["item"]
    page.fill(f"#i{item}-text", "Graag aandacht voor de kleine gemeenten in de regio.")
    page.get_by_role("button", name="Inbreng versturen").first.click()  # click 2: send
    page.locator(f"#respons-{item}").get_by_text("Opgeslagen. Dank u wel.").wait_for()
    with app.app_context():
        [comment] = db.session.scalars(select(Comment)).all()
        assert comment.author_id == reminded["member"] and comment.item_id == item
        assert "kleine gemeenten" in comment.text

    # Nothing else opens without a login.
    page.goto(f"{live_server}/")
    page.wait_for_url(re.compile(r".*/inloggen\?next=.*"))
    page.goto(f"{live_server}/vergaderingen/{reminded['other']}")
    page.wait_for_url(re.compile(r".*/inloggen\?next=.*"))
    assert page.get_by_role("heading", name="Inloggen").is_visible()
    assert page.console_errors == []
