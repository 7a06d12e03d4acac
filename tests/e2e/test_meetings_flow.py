"""A delegate prepares and publishes a meeting; a member finds it and its documents."""

import re

import pytest

from consult.demo.meetings import tiny_pdf
from consult.extensions import db
from consult.meetings.models import Meeting
from tests.e2e.conftest import login_with_password
from tests.test_meetings_views import fixture_agenda

pytestmark = pytest.mark.e2e


def test_delegate_imports_corrects_attaches_publishes_and_member_reads(
        app, live_server, browser, page, check_a11y, people, world, tmp_path):
    login_with_password(page, live_server, people["delegate"])
    check_a11y(page, "delegate dashboard")
    page.get_by_role("link", name="Nieuwe vergadering").click()
    check_a11y(page, "new meeting form")
    page.get_by_role("button", name="Vergadering aanmaken").click()  # empty: errors
    assert page.get_by_text("Vul een geldige datum in.").first.is_visible()
    check_a11y(page, "new meeting with errors")
    page.fill("#date", "2027-02-17")
    page.fill("#start_time", "09:30")
    page.fill("#end_time", "12:30")
    page.fill("#location", "VNG, Den Haag")
    page.get_by_role("button", name="Vergadering aanmaken").click()
    page.wait_for_url(re.compile(r"/vergaderingen/\d+$"))
    meeting_url = page.url
    check_a11y(page, "draft meeting")

    page.get_by_role("link", name="Agenda importeren").click()
    check_a11y(page, "import source")
    page.fill("#text", fixture_agenda())
    page.get_by_role("button", name="Voorstel bekijken").click()
    page.get_by_role("heading", name="Agenda controleren").wait_for()
    check_a11y(page, "import review")
    # Correct one item: the title of 3B.
    title = page.locator("input[name='items-4-title']")
    assert title.input_value() == "Beheer van collectieve voorzieningen"
    title.fill("Beheer van collectieve voorzieningen (herzien voorstel)")
    page.get_by_role("button", name="Agendapunten opslaan").click()
    page.wait_for_url(meeting_url)
    assert page.get_by_text("12 agendapunten zijn toegevoegd.").is_visible()
    assert page.get_by_role("link", name=re.compile("herzien voorstel")).is_visible()

    # Reorder with htmx: the agenda swaps in place; check it again.
    page.get_by_role("button", name="Omlaag (punt 1)").click()
    page.locator("#agenda li").first.get_by_text("Update lopende zaken").wait_for()
    check_a11y(page, "agenda after htmx move")
    page.get_by_role("button", name="Omhoog (punt 1)").click()
    page.locator("#agenda li").first.get_by_text("Opening, mededelingen").wait_for()

    # Attach a PDF to the placeholder 3a on the item page.
    page.get_by_role("link", name=re.compile("Jaarplan GGU 2027")).first.click()
    check_a11y(page, "item page of a draft")
    pdf = tmp_path / "jaarplan.pdf"
    pdf.write_bytes(tiny_pdf("Concept jaarplan GGU 2027"))
    page.get_by_label("Bestand voor bijlage 3a").set_input_files(str(pdf))
    page.get_by_role("button", name="Uploaden voor bijlage 3a").click()
    page.get_by_role("link", name=re.compile("Concept jaarplan GGU 2027")).wait_for()
    check_a11y(page, "item page after upload")

    page.goto(meeting_url)
    page.get_by_role("button", name="Publiceren").click()
    assert page.get_by_text("De agenda is gepubliceerd.").is_visible()
    check_a11y(page, "published meeting, delegate view")
    meeting_id = int(meeting_url.rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).published_at is not None

    # A member sees it on the dashboard and opens the attachment.
    member_context = browser.new_context()
    member = member_context.new_page()
    login_with_password(member, live_server, people["member"])
    card = member.locator("li.card", has=member.get_by_role(
        "link", name="Taskforce Samen Organiseren")).filter(has_text="17 februari 2027")
    assert card.get_by_text("8 van 8 agendapunten wachten op uw inbreng.").is_visible()
    check_a11y(member, "member dashboard")
    card.get_by_role("link", name="Geef uw inbreng").click()
    check_a11y(member, "member meeting page")
    with member.expect_download() as download:
        member.get_by_role("link", name=re.compile("3a Concept jaarplan GGU 2027")).click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert download.value.path().read_bytes().startswith(b"%PDF-")
    member_context.close()
    assert page.console_errors == []
