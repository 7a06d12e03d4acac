"""On a shared PC no unsent text outlives the session: logging out clears the drafts
the browser kept (Clear-Site-Data, and the login page's marker for the script)."""

import pytest

from tests.e2e.conftest import login_with_password

pytestmark = pytest.mark.e2e

DRAFT_KEYS = ("Object.keys(localStorage)"
              ".filter(function (key) { return key.indexOf('consult-draft:') === 0; })")


def test_logout_clears_the_drafts_kept_in_the_browser(app, live_server, page, people, world):
    login_with_password(page, live_server, people["member"])
    page.goto(f"{live_server}/agendapunten/{world['item']}")
    page.fill(f"#i{world['item']}-text", "Nog niet verstuurd, wel bewaard.")
    page.locator(f"#i{world['item']}-text").dispatch_event("input")
    assert len(page.evaluate(DRAFT_KEYS)) == 1  # kept while logged in
    page.evaluate("localStorage.setItem('iets-anders', 'blijft')")
    page.get_by_role("button", name="Uitloggen", exact=True).click()
    page.wait_for_url(f"{live_server}/inloggen?uitgelogd=1")
    assert page.evaluate(DRAFT_KEYS) == []
    assert page.console_errors == []


def test_the_login_page_after_logout_clears_drafts_by_itself(live_server, page):
    """Where a browser ignores Clear-Site-Data, the script does it."""
    page.goto(f"{live_server}/inloggen")
    page.evaluate("localStorage.setItem('consult-draft:inbreng-1-1', 'tekst')")
    page.reload()
    assert page.evaluate(DRAFT_KEYS) == ["consult-draft:inbreng-1-1"]  # kept: no logout
    page.goto(f"{live_server}/inloggen?uitgelogd=1")
    assert page.evaluate(DRAFT_KEYS) == []
