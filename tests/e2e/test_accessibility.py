"""axe (WCAG 2.1 A and AA) reports zero violations on every page, in every state
we can reach: error states, htmx-swapped fragments and the phone layout."""

import pytest

from consult.accounts import services
from consult.demo import demo_members_csv
from consult.extensions import db
from tests.e2e.conftest import login_with_password

pytestmark = pytest.mark.e2e



def test_anonymous_pages(app, live_server, page, check_a11y, people):
    page.goto(f"{live_server}/inloggen")
    check_a11y(page, "login")
    page.get_by_role("button", name="Stuur mij een inloglink").click()  # empty address
    assert "Vul uw e-mailadres in." in page.locator("#email-error").inner_text()
    check_a11y(page, "login with errors")
    page.fill("#email", people["member"])
    page.get_by_role("button", name="Stuur mij een inloglink").click()
    page.wait_for_url("**/inloggen/verstuurd?email=*")  # the page keeps the address
    check_a11y(page, "link sent")
    with app.test_request_context():
        services.request_login_link(people["member"], "127.0.0.9")
        db.session.commit()
    page.goto(f"{live_server}/inloggen/link/onbekend")
    check_a11y(page, "invalid link")
    page.goto(f"{live_server}/bestaat-niet")
    check_a11y(page, "404")


def test_login_link_confirmation_page(app, live_server, page, check_a11y, people):
    import re
    from pathlib import Path

    from consult.scheduler import run_tick

    with app.test_request_context():
        services.request_login_link(people["member"], "127.0.0.9")
        db.session.commit()
    with app.app_context():
        run_tick()
    [eml] = Path(app.config["MAIL_FILE_DIR"]).glob("*.eml")
    link = re.search(r"/inloggen/link/[\w-]+", eml.read_text()).group(0)
    page.goto(live_server + link)
    check_a11y(page, "login link confirmation")


def test_csrf_error_page_keeps_the_text(live_server, page, check_a11y, people):
    page.goto(f"{live_server}/inloggen")
    page.fill("#email", "getypt@example.org")
    page.locator("form[action='/inloggen'] input[name=csrf_token]").evaluate(
        "input => input.value = 'verlopen'")
    page.get_by_role("button", name="Stuur mij een inloglink").click()
    assert page.get_by_role("heading", name="Uw formulier is verlopen").is_visible()
    assert page.get_by_label("E-mailadres").input_value() == "getypt@example.org"
    check_a11y(page, "csrf error")
    page.get_by_role("button", name="Opnieuw versturen").click()
    page.wait_for_url("**/inloggen/verstuurd?email=*")  # the page keeps the address


def test_member_pages(live_server, page, check_a11y, people):
    login_with_password(page, live_server, people["member"])
    check_a11y(page, "dashboard")
    page.goto(f"{live_server}/account")
    check_a11y(page, "account")
    page.fill("#password", "kort")
    page.fill("#password_confirm", "anders")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    assert "minstens 10 tekens" in page.locator("#password-error").inner_text()
    check_a11y(page, "account with errors")
    page.goto(f"{live_server}/beheer/leden")
    assert page.get_by_role("heading", name="Geen toegang").is_visible()
    check_a11y(page, "403")


def test_admin_pages(app, live_server, page, check_a11y, people, users, tmp_path):
    login_with_password(page, live_server, people["admin"])
    page.goto(f"{live_server}/beheer/leden")
    check_a11y(page, "members")
    # htmx: typing filters the list in place and pushes the URL.
    page.fill("#zoek", "anouk")
    page.wait_for_url("**/beheer/leden?q=anouk*")
    page.get_by_role("heading", name="1 lid gevonden").wait_for()
    check_a11y(page, "members filtered by htmx")
    page.goto(f"{live_server}/beheer/leden/nieuw")
    check_a11y(page, "invite")
    page.get_by_role("button", name="Uitnodigen").click()
    assert page.get_by_text("Vul de naam in.").is_visible()
    check_a11y(page, "invite with errors")
    page.goto(f"{live_server}/beheer/leden/{users['member']}")
    check_a11y(page, "edit member")
    page.goto(f"{live_server}/beheer/leden/import")
    check_a11y(page, "import")
    csv_path = tmp_path / "leden.csv"
    csv_path.write_text(demo_members_csv() + "Fout,geen-adres,VIAG,,Ede,member\n")
    page.set_input_files("#file", str(csv_path))
    page.get_by_role("button", name="Bekijk wat er verandert").click()
    assert page.get_by_role("heading", name="Voorbeeld: dit gaat er veranderen").is_visible()
    check_a11y(page, "import preview")
    page.get_by_role("button", name="Import bevestigen").click()
    assert page.get_by_role("heading", name="Resultaat van de import").is_visible()
    check_a11y(page, "import result")


def test_phone_layout(browser, live_server, check_a11y, people):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    page = context.new_page()
    page.goto(f"{live_server}/inloggen")
    check_a11y(page, "login on a phone")
    # Nothing scrolls sideways on a phone (WCAG 1.4.10 reflow).
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    login_with_password(page, live_server, people["admin"])
    page.goto(f"{live_server}/beheer/leden")
    check_a11y(page, "members on a phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
