import re
from pathlib import Path

import pytest

from consult.accounts import services
from consult.accounts.models import User
from consult.extensions import db
from consult.scheduler import run_tick
from tests.e2e.conftest import login_with_password, read_eml

pytestmark = pytest.mark.e2e


def test_login_link_from_the_eml_file(app, live_server, page, users):
    with app.app_context():
        email_address = db.session.get(User, users["member"]).email
    page.goto(f"{live_server}/account")  # not logged in: sent to the login page
    assert "/inloggen?next=" in page.url
    page.fill("#email", email_address)
    page.get_by_role("button", name="Stuur mij een inloglink").click()
    page.wait_for_url(f"{live_server}/inloggen/verstuurd?email={email_address}")
    assert page.get_by_role("heading", name="Kijk in uw e-mail").is_visible()

    # Sent by the request itself, not at the next scheduler tick.
    [eml] = Path(app.config["MAIL_FILE_DIR"]).glob("*.eml")
    with app.app_context():
        assert run_tick()["sent"] == 0
    message = read_eml(eml)
    assert message["To"] == email_address
    link = re.search(r"http://127\.0\.0\.1:\d+/inloggen/link/\S+", message.get_body(
        ("plain",)).get_content()).group(0)

    page.goto(link)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server}/account")  # back where the member wanted to be
    assert page.get_by_role("heading", name="Mijn account").is_visible()
    assert page.get_by_text(email_address).first.is_visible()
    assert page.console_errors == []

    # The link works once.
    page.get_by_role("button", name="Uitloggen", exact=True).click()
    page.goto(link)
    assert page.get_by_role("heading", name="Deze inloglink werkt niet meer").is_visible()


def test_password_login_and_logout(app, live_server, page, users):
    with app.app_context():
        user = db.session.get(User, users["delegate"])
        services.set_password(user, "een lange zin als wachtwoord")
        db.session.commit()
        email_address = user.email
    page.goto(f"{live_server}/inloggen")
    page.fill("#pw-email", email_address)
    page.fill("#pw-password", "verkeerd wachtwoord")
    page.get_by_role("button", name="Inloggen", exact=True).click()
    assert page.get_by_text("Het e-mailadres of het wachtwoord klopt niet.").is_visible()
    assert page.input_value("#pw-email") == email_address

    login_with_password(page, live_server, email_address)
    assert page.get_by_role("heading", name="Mijn overleggen").is_visible()
    page.get_by_role("button", name="Uitloggen", exact=True).click()
    page.wait_for_url(f"{live_server}/inloggen?uitgelogd=1")
    assert page.get_by_text("U bent uitgelogd.").is_visible()
    page.goto(f"{live_server}/")
    assert "/inloggen" in page.url
    assert page.console_errors == []
