"""Login with the organisation account in Chromium, through the real OpenID provider
(tests/oidc/provider.js): Consult's button, the provider's login and consent forms, and
back, logged in."""

import re

import pytest

from consult.accounts.oidc_models import OidcProvider
from consult.extensions import db
from tests.factories import make_user
from tests.test_accounts_oidc import CLIENT_ID, CLIENT_SECRET, running_provider

pytestmark = pytest.mark.e2e


def test_a_member_logs_in_with_the_organisation_account(app, live_server, page, check_a11y,
                                                        tmp_path):
    with running_provider(f"{live_server}/inloggen/organisatie/terug") as issuers:
        with app.app_context():
            db.session.add(OidcProvider(name="Gemeente A", discovery_url=issuers["tenant_a"],
                                        client_id=CLIENT_ID, client_secret=CLIENT_SECRET))
            make_user(name="Lid van Gemeente A", email="lid@gemeente-a.example.org")
            db.session.commit()
        # Errors of Consult's pages (the provider's pages fetch fonts from the internet,
        # which this machine cannot reach).
        ours: list[str] = []
        page.on("console", lambda message: message.type == "error" and message.location.get(
            "url", "").startswith(live_server) and ours.append(message.text))
        page.on("pageerror", lambda error: ours.append(str(error)))
        page.goto(f"{live_server}/account")  # not logged in: the login page
        check_a11y(page, "login page with an organisation login")
        page.screenshot(path=str(tmp_path / "login.png"), full_page=True)
        page.get_by_role("link", name=re.compile("Inloggen met uw organisatie-account")).click()
        # The provider's own (development) login form, then its consent form.
        page.fill("input[name=login]", "lid")
        page.fill("input[name=password]", "wat dan ook")
        page.get_by_role("button", name="Sign-in").click()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{live_server}/account")  # back where the member wanted to be
        assert page.get_by_role("heading", name="Mijn account").is_visible()
        assert page.get_by_text("Lid van Gemeente A").first.is_visible()
        assert ours == []
