"""The privacy and accessibility statements: public, linked in every page's footer, and
kept true. The accessibility statement lists the pages that the axe test checks, from the
same list in code, and that list names every page of the route matrix."""

import re

from consult.privacy.accessibility import CHECKED_PAGES, NOT_PAGES, STANDARD
from tests.e2e.test_axe_every_page import PAGES
from tests.test_routes_access import CASES


def get_endpoints() -> set[str]:
    # The API (api.*) answers JSON only: tests/test_api*.py check it against its document.
    return {endpoint for endpoint, method, _path, _expected in CASES
            if method == "GET" and not endpoint.startswith("api.")}


def test_the_checked_pages_are_every_page_of_the_route_matrix():
    missing = get_endpoints() - set(CHECKED_PAGES) - NOT_PAGES
    assert not missing, ("name these pages in consult/privacy/accessibility.py CHECKED_PAGES "
                         f"(or NOT_PAGES when they answer no HTML): {sorted(missing)}")
    assert set(CHECKED_PAGES) <= get_endpoints(), "CHECKED_PAGES names a page the matrix lacks"
    assert not set(CHECKED_PAGES) & NOT_PAGES


def test_the_axe_test_runs_every_checked_page():
    checked = {endpoint for endpoint, method, path, _ in CASES
               if method == "GET" and path in PAGES}
    assert checked == set(CHECKED_PAGES)


def test_the_accessibility_statement_names_every_checked_page(client):
    response = client.get("/toegankelijkheid")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    listed = re.findall(r"<li>(.*?)</li>", html.split('id="getoetste-paginas"')[1].split("</ul>")[0])
    assert listed == [name.replace('"', "&#34;") for name in CHECKED_PAGES.values()]
    for part in ("voldoet gedeeltelijk", STANDARD, "axe-core", "axe-playwright-python",
                 "Bekende beperkingen", "Feedback en contact", "Handhavingsprocedure",
                 "3 december 2026"):
        assert part in html, part


def test_the_statements_are_public_and_linked_in_the_footer(client, auth):
    for path in ("/privacy", "/toegankelijkheid"):
        assert client.get(path).status_code == 200
    login_page = client.get("/inloggen").get_data(as_text=True)
    footer = login_page.split('<footer class="site-footer">')[1]
    assert 'href="/privacy"' in footer and 'href="/toegankelijkheid"' in footer
    auth.login("member")
    footer = client.get("/").get_data(as_text=True).split('<footer class="site-footer">')[1]
    assert 'href="/privacy"' in footer and 'href="/toegankelijkheid"' in footer


def test_the_privacy_statement_says_what_is_kept_and_for_how_long(app, client):
    app.config.update(RETENTION_DAYS_AFTER_DEACTIVATION=365, CONTACT_EMAIL="privacy@viag.example")
    html = client.get("/privacy").get_data(as_text=True)
    for part in ("365 dagen na het deactiveren", "oud-lid, &lt;organisatie&gt;", "argon2id",
                 "Inlogpogingen", "alleen als hash", "Mijn gegevens", "Autoriteit Persoonsgegevens",
                 'href="mailto:privacy@viag.example"', "Leden zien elkaars inbreng",
                 "15 minuten"):
        assert part in html, part
