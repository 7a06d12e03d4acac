import pytest
from sqlalchemy import select

from consult.accounts.kept_forms import KeptForm
from consult.accounts.models import User
from consult.extensions import db
from consult.security import CONTENT_SECURITY_POLICY
from tests.test_routes_access import CASES


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_post_without_csrf_token_keeps_the_text_on_a_page(client, auth):
    auth.login("member")
    response = client.post("/inloggen", data={"email": "typed@example.org"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/bewaard/")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Uw formulier is verlopen" in html
    assert 'value="typed@example.org"' in html
    assert 'name="csrf_token"' in html  # a fresh token to send it again


def test_expired_csrf_token_keeps_long_text_but_never_passwords(app, client):
    app.config["WTF_CSRF_TIME_LIMIT"] = -1  # every token is already expired
    client.get("/inloggen")
    with client.session_transaction() as session:
        session["csrf_token"] = "x" * 40
    long_text = "Mijn inbreng over Common Ground.\nTweede regel met <b>tekst</b>."
    response = client.post("/inloggen/wachtwoord", data={
        "pw-email": "a@example.org", "pw-password": "geheim wachtwoord", "text": long_text,
        "csrf_token": "verlopen"})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mijn inbreng over Common Ground.\nTweede regel met &lt;b&gt;tekst&lt;/b&gt;." in html
    assert "geheim wachtwoord" not in html
    with app.app_context():
        [kept] = db.session.scalars(select(KeptForm)).all()
        assert "geheim" not in kept.fields and "pw-email" in kept.fields


def test_csrf_token_in_header_is_accepted(app, client, users):
    page = client.get("/inloggen").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    with app.app_context():
        email = db.session.get(User, users["member"]).email
    response = client.post("/inloggen", data={"email": email}, headers={"X-CSRFToken": token})
    assert response.status_code == 303


def test_security_headers_on_every_get_page(client, auth, route_world):
    auth.login("admin")
    for _, method, path, _ in CASES:
        if method != "GET":
            continue
        response = client.get(path.format(**route_world))
        csp = response.headers["Content-Security-Policy"]
        assert csp == CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                          "script-src 'self'"):
            assert directive in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


def test_pages_have_no_inline_scripts_or_styles(client, auth):
    auth.login("admin")
    for path in ("/", "/inloggen/verstuurd", "/account", "/beheer/leden", "/beheer/leden/nieuw"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and " style=" not in html
        assert "<style" not in html


def test_friendly_dutch_404(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)
    assert "Content-Security-Policy" in response.headers


def test_friendly_dutch_403(client, auth):
    auth.login("member")
    response = client.get("/beheer/leden")
    assert response.status_code == 403
    assert "Geen toegang" in response.get_data(as_text=True)


def test_friendly_500_rolls_back(app, client, auth, users):
    @app.get("/kapot")
    def broken():
        db.session.get(User, users["member"]).name = "Half opgeslagen"
        raise RuntimeError("boom")

    response = client.get("/kapot")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.id == users["member"])) == "Anouk Smit"


def test_405_is_friendly(client):
    response = client.get("/uitloggen")
    assert response.status_code == 405
    assert "niet mogelijk" in response.get_data(as_text=True)


def test_fragment_for_htmx_page_for_boosted_and_history_restore(client, auth):
    auth.login("admin")
    fragment = client.get("/beheer/leden", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        page = client.get("/beheer/leden", headers={"HX-Request": "true", **extra})
        assert "<html" in page.get_data(as_text=True)
    assert "HX-Request" in client.get("/beheer/leden").headers["Vary"]


def test_htmx_is_vendored_and_configured(client):
    html = client.get("/inloggen").get_data(as_text=True)
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in html
    assert '"historyRestoreAsHxRequest": false' in html
    assert '"includeIndicatorStyles": false' in html  # its injected <style> would break the CSP
    js = client.get("/static/vendor/htmx-2.0.11/htmx.min.js")
    assert js.status_code == 200 and b"2.0.11" in js.data


# --- issue 15 finding 9: caching and HSTS -----------------------------------------------

def test_private_pages_and_files_are_never_stored(app, client, auth, world):
    assert client.get("/inloggen").headers["Cache-Control"] == "no-store"
    auth.login("member")
    for path in ("/", f"/vergaderingen/{world['meeting']}", "/account",
                 f"/vergaderingen/{world['meeting']}/herinneringen"):
        response = client.get(path)
        assert response.status_code in (200, 403), path
        assert response.headers["Cache-Control"] == "no-store", path
        assert "ETag" not in response.headers and "Last-Modified" not in response.headers
    assert client.get("/vergaderingen/999999").headers["Cache-Control"] == "no-store"
    # Files whose view chose private caching (revalidated by ETag) keep it: never a
    # shared cache.
    calendar = client.get(f"/vergaderingen/{world['meeting']}/agenda.ics")
    assert calendar.headers["Cache-Control"].startswith("private")


def test_static_files_may_be_cached(client, auth):
    auth.login("member")
    response = client.get("/static/css/consult.css")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_hsts_only_when_cookies_are_secure(app, client):
    assert "Strict-Transport-Security" not in client.get("/inloggen").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    assert client.get("/inloggen").headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains")
    app.config["SESSION_COOKIE_SECURE"] = False
    assert "Strict-Transport-Security" in client.get(
        "/inloggen", base_url="https://localhost").headers
