"""axe (WCAG 2.1 A and AA) on every page of the route matrix, as it looks to an admin
and to a member: forms, lists, error pages (403, 404, 410) alike."""

import pytest

from tests.conftest import AuthActions
from tests.test_routes_access import CASES

pytestmark = pytest.mark.e2e

NOT_PAGES = ("static", "health.healthz", "calendar.meeting_ics", "calendar.feed",
             "attachments.download", "exports.download", "api_feed.body_feed")
PAGES = sorted({path for endpoint, method, path, _ in CASES
                if method == "GET" and endpoint not in NOT_PAGES
                and not endpoint.startswith("api.")})  # JSON, tests/test_api*.py


@pytest.mark.parametrize("role", ["admin", "member"])
def test_every_page_passes_axe(app, live_server, browser, check_a11y, users, route_world, role):
    context = browser.new_context()
    client = app.test_client()
    AuthActions(app, client, users).login(role)
    cookie = client.get_cookie("consult_session")
    context.add_cookies([{"name": "consult_session", "value": cookie.value,
                          "url": live_server}])
    page = context.new_page()
    checked = 0
    for path in PAGES:
        response = page.goto(live_server + path.format(**route_world))
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        check_a11y(page, f"{role} {path} ({response.status})")
        checked += 1
    context.close()
    assert checked >= len(PAGES) - 3
