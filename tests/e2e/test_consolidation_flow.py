"""The delegate's whole flow: mark input, write and autosave a statement, finalise,
export DOCX, record outcomes, publish; then the member sees what became of the input."""

import io
import re
from datetime import timedelta

import pytest
from docx import Document

from consult.comments.models import Comment, CommentKind
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import Meeting
from tests.e2e.conftest import login_with_password
from tests.test_exports import export_worker  # noqa: F401  (fixture: makes export jobs)

pytestmark = pytest.mark.e2e


def test_delegate_consolidates_and_member_sees_the_result(
        app, live_server, browser, page, check_a11y, people, world, users,
        export_worker):  # noqa: F811
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        item = meeting.items[0]
        db.session.add(Comment(item_id=item.id, author_id=users["member"],
                               kind=CommentKind.CONCERN,
                               text="Kleine gemeenten kunnen dit niet alleen dragen."))
        db.session.add(Comment(item_id=item.id, author_id=users["chair"],
                               kind=CommentKind.SUPPORT, text="Regio Noord steunt het voorstel."))
        db.session.commit()
        item_id = item.id
    login_with_password(page, live_server, people["delegate"])
    page.goto(f"{live_server}/vergaderingen/{world['meeting']}")
    page.get_by_role("link", name="Werkruimte: inbreng verwerken").click()
    assert page.get_by_text("0 van 3").first.is_visible()
    check_a11y(page, "workspace")
    page.get_by_role("link", name="1. Agendapunt 1").click()
    check_a11y(page, "item workspace")

    # Mark Anouk's input as used (htmx swaps the row).
    row = page.locator("li.comment", has_text="Kleine gemeenten")
    row.get_by_label("Verwerkt").check()
    row.get_by_role("button", name="Markering opslaan").click()
    page.locator("li.comment", has_text="Kleine gemeenten").get_by_text(
        "Verwerkt", exact=True).first.wait_for()
    check_a11y(page, "after marking")

    # Write: the draft is autosaved while typing, then saved as a version.
    page.get_by_label("Tekst").fill("De achterban vraagt om **steun** voor kleine gemeenten.")
    page.locator("#autosave-status").get_by_text("Automatisch bewaard").wait_for(timeout=10_000)
    check_a11y(page, "autosaved")
    page.get_by_role("button", name="Opslaan als nieuwe versie").click()
    page.get_by_text("Opgeslagen als versie 1.").wait_for()
    page.get_by_role("button", name="Definitief maken").click()
    page.get_by_text("De inbreng is definitief.").wait_for()
    check_a11y(page, "final statement")

    # Export DOCX.
    page.goto(f"{live_server}/vergaderingen/{world['meeting']}")
    page.get_by_role("link", name="Exporteren en versturen").click()
    page.get_by_label("Word-document (DOCX)").check()
    page.get_by_role("button", name="Exporteren", exact=True).click()
    link = page.get_by_role("link", name=re.compile(r"\.docx downloaden"))
    link.wait_for(timeout=20_000)
    with page.expect_download() as download_info:
        link.click()
    document = Document(io.BytesIO(download_info.value.path().read_bytes()))
    assert any("steun" in p.text for p in document.paragraphs)

    # After the meeting: outcomes, then publish.
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        meeting.input_deadline = utcnow() - timedelta(days=3)
        meeting.starts_at = utcnow() - timedelta(hours=2)
        meeting.ends_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    page.goto(f"{live_server}/vergaderingen/{world['meeting']}")
    page.get_by_role("link", name="Bespreking TF").click()
    check_a11y(page, "outcomes form")
    page.get_by_label("1. Agendapunt 1").fill("De Taskforce neemt het advies over.")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("De uitkomsten zijn opgeslagen.").wait_for()
    page.get_by_role("button", name="Publiceren en terugkoppelen").click()
    page.get_by_text("De uitkomsten zijn gepubliceerd.").wait_for()
    check_a11y(page, "published")

    member_context = browser.new_context()
    member = member_context.new_page()
    login_with_password(member, live_server, people["member"])
    results = member.locator("section.results")
    assert results.get_by_role("heading", name="Wat is er met mijn inbreng gedaan?").is_visible()
    assert results.get_by_text("De Taskforce neemt het advies over.").is_visible()
    assert results.get_by_text("verwerkt").is_visible()
    check_a11y(member, "member dashboard with results")
    member.goto(f"{live_server}/agendapunten/{item_id}")
    assert member.get_by_text("Uw inbreng is verwerkt in de Inbreng VIAG/IMG+CIO.").is_visible()
    check_a11y(member, "member item page with results")
    member_context.close()
    assert page.console_errors == []
