"""Browser tests: the app served on 127.0.0.1 and driven by Playwright in Debian's
Chromium (never a downloaded browser)."""

import email
import re
import shutil
import threading
from email import policy
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import skip_unless_ci

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or not shutil.which("chromium"):
        skip_unless_ci(f"Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []

    def on_console(message):
        # A form answered with 410/422/429 is an expected page, not a script error.
        expected = re.search(r"status of (410|422|429)\b", message.text)
        if message.type == "error" and not expected:
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def check_a11y(axe):
    """Run axe with the WCAG 2.1 A and AA rules on the page as it is now."""

    def check(page, label: str = ""):
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert results.violations_count == 0, (
            f"{label or page.url}: {results.generate_report()}"
        )

    return check


def read_eml(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def login_with_password(page, live_server, email_address, password="een lange zin als wachtwoord"):
    page.goto(f"{live_server}/inloggen")
    page.fill("#pw-email", email_address)
    page.fill("#pw-password", password)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(f"{live_server}/")


PASSWORD = "een lange zin als wachtwoord"


@pytest.fixture
def people(app, users):
    """The role users with a password, by role: their email addresses."""
    from consult.accounts import services
    from consult.accounts.models import User
    from consult.extensions import db

    with app.app_context():
        emails = {}
        for role, user_id in users.items():
            user = db.session.get(User, user_id)
            services.set_password(user, PASSWORD)
            emails[role] = user.email
        db.session.commit()
    return emails
