"""The delegate's home in the browser: the next actions per meeting, one click from the
work, the participation pictures (SVG beside tables) and axe finds no violations; the
concept ter inzage answered from the mail's link."""

import re

import pytest
from sqlalchemy import select

from consult.comments.models import Comment
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.meetings.models import Meeting
from tests.e2e.conftest import login_with_password
from tests.factories import make_user

pytestmark = pytest.mark.e2e


def seed(app, world, users):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        for number, region in enumerate(("Noord", "Zuid", "Oost")):
            author = make_user(region=region, name=f"Lid {region}")
            db.session.add(Comment(item=meeting.items[number], author_id=author.id,
                                   text=f"Inbreng uit {region}"))
        db.session.add(Comment(item=meeting.items[0], author_id=users["member"],
                               text="Inbreng van Anouk", late=True))
        db.session.commit()


def test_the_delegates_home_leads_to_the_work(app, live_server, page, check_a11y, people,
                                              world, users):
    seed(app, world, users)
    login_with_password(page, live_server, people["delegate"])
    desk = page.locator("section.desk")
    assert page.get_by_text("Ingelogd als").is_visible()
    assert desk.get_by_role("link", name=re.compile(r"deadline over \d+ dagen")).is_visible()
    assert desk.get_by_role("link", name="1 te laat ingediend (1 nieuw)").is_visible()
    page.get_by_text("Deelname in beeld").click()
    assert desk.locator("svg.chart").first.is_visible()
    assert desk.get_by_role("table", name="Leden die reageerden, per regio en agendapunt"
                            ).is_visible()
    check_a11y(page, "the delegate's home")

    desk.get_by_role("link", name=re.compile("4 nieuwe inbrengen")).click()
    page.wait_for_url(f"**/vergaderingen/{world['meeting']}/werkruimte")
    check_a11y(page, "workspace with concept ter inzage")
    page.goto(live_server + "/")
    assert page.locator("section.desk").get_by_text("nieuwe inbreng").count() == 0

    # Concept ter inzage: save a version, send it, answer as the contributor.
    item = world["item"]
    page.goto(f"{live_server}/agendapunten/{item}/werkruimte")
    page.get_by_label("Tekst").fill("Wij vragen **aandacht** voor kleine gemeenten.")
    page.get_by_role("button", name="Opslaan als nieuwe versie").click()
    page.locator("#ter-inzage").get_by_role("button", name="Ter inzage sturen").click()
    page.get_by_text("ter inzage gestuurd aan 2 indieners").wait_for()
    check_a11y(page, "item workspace after sending")
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body_text).where(
            OutboxMessage.kind == "draft_review")).first()
    link = re.search(r"/concept/[\w-]+", body).group(0)
    page.get_by_role("button", name="Uitloggen").click()
    page.goto(live_server + link)
    check_a11y(page, "concept ter inzage, the contributor's page")
    page.get_by_label("Toelichting (optioneel)").fill("Noem ook de regio's.")
    page.get_by_role("button", name="Bezwaar").click()
    page.get_by_text("Uw antwoord is vastgelegd").wait_for()
    check_a11y(page, "answer recorded")
    assert page.console_errors == []
