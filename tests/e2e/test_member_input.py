"""A member gives input in two minutes; nothing typed is ever lost."""

from datetime import timedelta

import pytest

from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import Meeting
from tests.e2e.conftest import login_with_password

pytestmark = pytest.mark.e2e


def test_member_gives_edits_and_declines_input(app, live_server, page, check_a11y, people,
                                               world):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        first, second, third = (item.id for item in meeting.items)
    login_with_password(page, live_server, people["member"])
    page.get_by_role("link", name="Geef uw inbreng").click()
    check_a11y(page, "meeting page")

    # First item: inline on the meeting page, with htmx (no page load).
    page.locator(f"#respons-{first} summary").click()  # "Nog iets toevoegen": world has input
    page.fill(f"#i{first}-text", "Graag aandacht voor kleine gemeenten.")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Inbreng versturen").first.click()
    block = page.locator(f"#respons-{first}")
    block.get_by_text("Opgeslagen. Dank u wel.").wait_for()
    assert page.evaluate("window.notReloaded") is True
    check_a11y(page, "meeting page after inline input")

    # Second item: on the item page, with htmx.
    page.goto(f"{live_server}/agendapunten/{second}")
    page.select_option(f"#i{second}-kind", "vraag")
    page.fill(f"#i{second}-text", "Wat kost dit per inwoner?")
    page.get_by_role("button", name="Inbreng versturen").click()
    page.locator("#inbreng").get_by_text("Opgeslagen. Dank u wel.").wait_for()
    assert page.locator("#inbreng .comment").count() == 1
    check_a11y(page, "item page after input")

    # Edit it.
    page.get_by_role("link", name="Wijzigen").click()
    check_a11y(page, "edit page")
    page.fill(f"#i{second}-text", "Wat kost dit per inwoner, en wie betaalt het beheer?")
    page.get_by_role("button", name="Wijziging opslaan").click()
    page.wait_for_url(f"**/agendapunten/{second}*")

    # Reload: both inputs are there.
    page.goto(f"{live_server}/vergaderingen/{world['meeting']}")
    page.reload()
    assert page.get_by_text("Graag aandacht voor kleine gemeenten.").is_visible()
    assert page.get_by_text("wie betaalt het beheer?").is_visible()

    # Geen inbreng on the third item.
    page.get_by_text("Inbreng geven op punt 3").click()
    page.get_by_role("button", name="Geen inbreng op punt 3").click()
    page.locator(f"#respons-{third}").get_by_text("Geen inbreng").first.wait_for()
    check_a11y(page, "meeting page after geen inbreng")
    page.goto(f"{live_server}/")
    assert page.get_by_text("U heeft op alle agendapunten gereageerd.").is_visible()
    assert page.console_errors == []


def test_deadline_passes_while_typing(app, live_server, page, check_a11y, people, world):
    item = world["item"]
    login_with_password(page, live_server, people["member"])
    page.goto(f"{live_server}/agendapunten/{item}")
    text = "Een lange tekst die ik typte terwijl de deadline verstreek."
    page.fill(f"#i{item}-text", text)
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        meeting.input_deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    page.get_by_role("button", name="Inbreng versturen").click()
    section = page.locator("#inbreng")
    section.get_by_text("De deadline voor inbreng is verstreken.").wait_for()
    assert section.locator("textarea").input_value() == text
    check_a11y(page, "deadline passed while typing")
    page.get_by_role("button", name="Stuur naar de gedelegeerde als late inbreng").click()
    section.get_by_text("te laat ingediend").wait_for()
    check_a11y(page, "late input sent")


def test_unsent_text_survives_a_reload_and_an_expired_session(app, live_server, page, people,
                                                              world):
    item = world["item"]
    login_with_password(page, live_server, people["member"])
    page.goto(f"{live_server}/agendapunten/{item}")
    page.fill(f"#i{item}-text", "Half af, nog niet verstuurd")
    page.reload()
    assert page.input_value(f"#i{item}-text") == "Half af, nog niet verstuurd"
    assert page.get_by_text("Uw nog niet verstuurde tekst is teruggezet.").is_visible()
    # The session expires (cookie gone); after logging in again the text is back.
    page.context.clear_cookies()
    page.goto(f"{live_server}/agendapunten/{item}")
    assert "/inloggen" in page.url
    page.fill("#pw-email", people["member"])
    page.fill("#pw-password", "een lange zin als wachtwoord")
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(f"**/agendapunten/{item}")
    assert page.input_value(f"#i{item}-text") == "Half af, nog niet verstuurd"
    page.get_by_role("button", name="Inbreng versturen").click()
    page.locator("#inbreng").get_by_text("Opgeslagen. Dank u wel.").wait_for()
    page.reload()
    assert page.input_value(f"#i{item}-text") == ""  # saved: the draft is gone


def test_htmx_errors_are_shown_not_swallowed(app, live_server, page, people, world):
    item = world["item"]
    login_with_password(page, live_server, people["member"])
    page.goto(f"{live_server}/agendapunten/{item}")
    page.fill(f"#i{item}-text", "Tekst")
    # The member is removed from the constituency meanwhile: the server answers 403.
    from consult.accounts.models import Organisation
    from consult.meetings.models import Body

    with app.app_context():
        db.session.get(Body, world["body"]).organisations = [Organisation.CIO]
        db.session.commit()
    page.get_by_role("button", name="Inbreng versturen").click()
    page.locator("#status").get_by_text("U heeft geen toegang tot deze actie.").wait_for()
    assert page.input_value(f"#i{item}-text") == "Tekst"


def test_chair_sees_participation(app, live_server, page, check_a11y, people, world):
    from tests.factories import make_user

    with app.app_context():
        make_user("member", name="Hendrik Mulder", region="Noord")
        db.session.commit()
    login_with_password(page, live_server, people["chair"])
    page.goto(f"{live_server}/vergaderingen/{world['meeting']}")
    page.get_by_role("link", name="Deelname").click()
    assert page.get_by_role("table", name="Reacties per regio en agendapunt").is_visible()
    check_a11y(page, "participation (chair)")
    page.get_by_role("button", name="Herinner Hendrik Mulder").click()
    # Waits for the answer (the POST now also makes the member's link token).
    page.get_by_text("Hendrik Mulder krijgt een herinnering per e-mail.").wait_for()
    check_a11y(page, "participation after nudge")
