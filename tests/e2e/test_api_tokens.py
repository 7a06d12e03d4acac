"""A delegate makes an API token on her account page, reads the API with it, and revokes it
(with CSRF on, in Chromium; axe on the panel and on the page that shows the token once)."""

import json
import urllib.error
import urllib.request

import pytest

from tests.api_world import build
from tests.e2e.conftest import login_with_password

pytestmark = pytest.mark.e2e


def api_status(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            json.load(response)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_delegate_makes_uses_and_revokes_a_token(app, live_server, page, people, users,
                                                   check_a11y, tmp_path):
    build(app, users)
    login_with_password(page, live_server, people["delegate"])
    page.goto(f"{live_server}/account#api-tokens")
    panel = page.locator("#api-tokens")
    assert panel.get_by_role("heading", name="API-tokens").is_visible()
    check_a11y(page, "account with API tokens")
    panel.get_by_label("Naam van het token").fill("Website VIAG")
    panel.get_by_label("Geldig").select_option("30")
    panel.get_by_role("button", name="Token maken").click()
    page.wait_for_url(f"{live_server}/account/api-tokens")
    assert page.get_by_role("heading", name="Uw nieuwe API-token").is_visible()
    check_a11y(page, "token shown once")
    page.screenshot(path=str(tmp_path / "token.png"), full_page=True)
    token = page.get_by_label("API-token").input_value()
    assert token.startswith("cst_")
    assert api_status(f"{live_server}/api/v1/overleggen", token) == 200

    page.get_by_role("link", name="Terug naar Mijn account").click()
    row = page.get_by_role("row").filter(has_text="Website VIAG")
    page.locator("#api-tokens").screenshot(path=str(tmp_path / "panel.png"))
    assert token not in page.content()
    row.get_by_role("button", name="Intrekken").click()
    assert page.get_by_text("is ingetrokken").is_visible()
    assert api_status(f"{live_server}/api/v1/overleggen", token) == 401
    assert page.console_errors == []
