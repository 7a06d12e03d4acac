"""Login with the organisation account against a real OpenID provider: the npm package
oidc-provider (tests/oidc/provider.js), started here on free localhost ports with two
issuers ("tenants"). The provider side is driven by a real HTTP client that follows its
redirects and submits its login and consent forms; Consult's side is the test client."""

import fcntl
import json
import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urljoin, urlsplit

import lxml.html
import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from consult.accounts import oidc, oidc_login
from consult.accounts.models import LoginSession, Organisation, User
from consult.accounts.oidc_models import OidcProvider
from consult.extensions import db
from tests.conftest import skip_unless_ci
from tests.factories import make_user

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID, CLIENT_SECRET = "consult-test", "een geheim van de test"
REDIRECT_URI = "http://localhost/inloggen/organisatie/terug"


def install_provider() -> None:
    """npm ci into tests/oidc/node_modules, once (a fresh clone has none); a lock file
    keeps two xdist workers from installing at the same time."""
    if not (shutil.which("node") and shutil.which("npm")):
        skip_unless_ci("node and npm are needed for the OpenID provider")
    with open(OIDC_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            return
        done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=OIDC_DIR,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr


@contextmanager
def running_provider(redirect_uri: str = REDIRECT_URI):
    """{"tenant_a": issuer URL, "tenant_b": issuer URL} of a provider that knows Consult
    as a client with `redirect_uri`."""
    install_provider()
    env = {**os.environ, "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": CLIENT_SECRET,
           "REDIRECT_URI": redirect_uri}
    process = subprocess.Popen(["node", "provider.js"], cwd=OIDC_DIR, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = process.stdout.readline()
        assert line, "the OpenID provider did not start"
        yield json.loads(line)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def issuers():
    with running_provider() as found:
        yield found


@pytest.fixture
def provider(app, issuers):
    """An organisation login trusting tenant A, for members of Gemeente A."""
    with app.app_context():
        row = OidcProvider(name="Gemeente A", discovery_url=issuers["tenant_a"],
                           client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                           allowed_issuers=issuers["tenant_a"], municipalities="Gemeente A")
        make_user(name="Lid van Gemeente A", email="lid@gemeente-a.example.org",
                  municipality="Gemeente A")
        make_user(name="Onbevestigd", email="onbevestigd@gemeente-a.example.org",
                  municipality="Gemeente A")
        db.session.add(row)
        db.session.commit()
        return row.id


def follow(browser: requests.Session, response: requests.Response) -> str | requests.Response:
    """Follow the provider's redirects; stop at Consult's redirect URI (the test client
    takes it from there) and answer with that URL, or with the page reached."""
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(REDIRECT_URI):
            return location
        response = browser.get(location, allow_redirects=False, timeout=10)
    response.raise_for_status()
    return response


def submit_form(browser: requests.Session, page: requests.Response, **values):
    form = lxml.html.fromstring(page.text).forms[0]
    data = dict(form.form_values())
    data.update(values)
    answer = browser.post(urljoin(page.url, form.action), data=data, allow_redirects=False,
                          timeout=10)
    return follow(browser, answer)


def authorize(client, provider_key, account: str) -> str:
    """Start at Consult, log in at the provider as `account`, consent; Consult's callback
    URL with the code."""
    start = client.get(f"/inloggen/organisatie/{provider_key}?next=/account")
    assert start.status_code == 303, start.get_data(as_text=True)
    browser = requests.Session()
    page = follow(browser, browser.get(start.headers["Location"], allow_redirects=False,
                                       timeout=10))
    page = submit_form(browser, page, login=account, password="wat dan ook")
    if not isinstance(page, str):  # the consent form
        page = submit_form(browser, page)
    assert isinstance(page, str), "no redirect back to Consult"
    return page


def come_back(client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def test_the_login_page_offers_the_organisation_account(app, client, provider):
    html = client.get("/inloggen").get_data(as_text=True)
    assert "Inloggen met uw organisatie-account" in html and "Gemeente A" in html


def test_a_member_logs_in_with_the_organisation_account(app, client, provider):
    start = client.get(f"/inloggen/organisatie/{provider}?next=/account")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    # Authorization code with PKCE (S256), a state and a nonce.
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] and query["state"] and query["nonce"]
    answer = come_back(client, authorize(client, provider, "lid"))
    assert answer.status_code == 303 and answer.headers["Location"] == "/account"
    page = client.get("/account")
    assert page.status_code == 200 and "Lid van Gemeente A" in page.get_data(as_text=True)
    with app.app_context():
        # The same login session row as a link or password login.
        sessions = db.session.scalars(select(LoginSession)).all()
        assert [s.user.email for s in sessions] == ["lid@gemeente-a.example.org"]
        assert sessions[0].revoked_at is None


def test_a_replayed_code_is_refused(app, client, provider):
    callback = authorize(client, provider, "lid")
    with client.session_transaction() as session:
        flow = dict(session["oidc_flow"])
    assert come_back(client, callback).status_code == 303
    client.post("/uitloggen")
    # The same answer again, with the same state, nonce and PKCE verifier in the session
    # (a copied cookie): only the provider can tell, and it refuses the used code.
    with client.session_transaction() as session:
        session["oidc_flow"] = flow
    again = come_back(client, callback)
    assert again.status_code == 400
    assert "de code is al gebruikt of verlopen" in again.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_the_state_works_once(app, client, provider):
    callback = authorize(client, provider, "lid")
    assert come_back(client, callback).status_code == 303
    client.post("/uitloggen")
    again = come_back(client, callback)
    assert again.status_code == 400
    assert "onbekend of al afgerond" in again.get_data(as_text=True)


def test_an_expired_state_is_refused(app, client, provider):
    callback = authorize(client, provider, "lid")
    with client.session_transaction() as session:
        flow = session["oidc_flow"]
        session["oidc_flow"] = {**flow, "started": flow["started"]
                                - app.config["OIDC_STATE_MINUTES"] * 60 - 1}
    answer = come_back(client, callback)
    assert answer.status_code == 400
    assert "duurde langer dan 10 minuten" in answer.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_another_tenant_is_refused(app, client, provider, issuers):
    # The same Consult client at tenant B, which Gemeente A's login does not trust.
    with app.app_context():
        row = db.session.get(OidcProvider, provider)
        row.discovery_url = issuers["tenant_b"]
        db.session.commit()
    answer = come_back(client, authorize(client, provider, "lid"))
    assert answer.status_code == 403
    assert "niet mag inloggen" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginSession.id))) == 0


def test_an_unknown_address_is_refused(app, client, provider):
    answer = come_back(client, authorize(client, provider, "onbekend"))
    assert answer.status_code == 403
    assert "Er is geen lid met het e-mailadres onbekend@gemeente-a.example.org" in (
        answer.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(
            User.email == "onbekend@gemeente-a.example.org")) == 0


def test_an_unverified_address_is_refused(app, client, provider):
    answer = come_back(client, authorize(client, provider, "onbevestigd"))
    assert answer.status_code == 403
    assert "niet als bevestigd" in answer.get_data(as_text=True)


def test_a_member_of_another_municipality_is_refused(app, client, provider):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lid@gemeente-a.example.org"))
        user.municipality = "Gemeente B"
        db.session.commit()
    answer = come_back(client, authorize(client, provider, "lid"))
    assert answer.status_code == 403
    assert "als lid van een andere gemeente" in answer.get_data(as_text=True)


def test_self_registration_only_where_the_admin_allows_it(app, client, provider):
    with app.app_context():
        row = db.session.get(OidcProvider, provider)
        row.allow_self_registration = True
        row.self_registration_organisation = Organisation.VIAG
        db.session.commit()
    answer = come_back(client, authorize(client, provider, "nieuw"))
    assert answer.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nieuw@gemeente-a.example.org"))
        assert (user.name, user.organisation, user.municipality) == (
            "Nieuw Lid", Organisation.VIAG, "Gemeente A")


def test_a_provider_from_environment_variables(app, client, issuers):
    app.config.update(OIDC_DISCOVERY_URL=issuers["tenant_a"], OIDC_CLIENT_ID=CLIENT_ID,
                      OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_NAME="Gemeente A (omgeving)",
                      OIDC_ALLOWED_ISSUERS=f'{issuers["tenant_a"]}')
    with app.app_context():
        make_user(name="Lid", email="lid@gemeente-a.example.org", municipality="Gemeente A")
        db.session.commit()
    assert "Gemeente A (omgeving)" in client.get("/inloggen").get_data(as_text=True)
    assert come_back(client, authorize(client, "omgeving", "lid")).status_code == 303


def test_an_id_token_for_another_login_is_refused(app, client, provider):
    """The provider's real, signed token, but its nonce is not this login's."""
    callback = authorize(client, provider, "lid")
    with client.session_transaction() as session:
        session["oidc_flow"] = {**session["oidc_flow"], "nonce": "van een andere poging"}
    answer = come_back(client, callback)
    assert answer.status_code == 403
    assert "ID-token van uw organisatie is ongeldig" in answer.get_data(as_text=True)


def forged_token(issuers, nonce: str, **changes) -> str:
    """An ID token with the right claims, signed with a key of our own under the kid of
    the provider's real key."""
    kid = requests.get(f'{issuers["tenant_a"]}/jwks', timeout=10).json()["keys"][0]["kid"]
    now = int(time.time())
    claims = {"iss": issuers["tenant_a"], "sub": "lid", "aud": CLIENT_ID, "iat": now,
              "exp": now + 300, "nonce": nonce, "email": "lid@gemeente-a.example.org",
              "email_verified": True, **changes}
    return jwt.encode({"alg": "RS256", "kid": kid}, claims,
                      RSAKey.generate_key(2048, parameters={"kid": kid}))


@pytest.mark.filterwarnings("ignore:JWS algorithm")
@pytest.mark.parametrize("what", ["signature", "algorithm none"])
def test_a_forged_id_token_is_refused(app, provider, issuers, what):
    with app.test_request_context():
        settings = oidc_login.provider_by_key(str(provider))
        document = oidc.metadata(settings)
        if what == "signature":
            token = forged_token(issuers, "n")
        else:
            token = jwt.encode({"alg": "none"}, {"iss": issuers["tenant_a"], "nonce": "n"}, None,
                               algorithms=["none"])
        with pytest.raises(oidc.OidcRefused) as refused:
            oidc.verified_claims(settings, document, token, "n")
        assert "ongeldig" in refused.value.message


def test_an_unreachable_provider_is_a_dutch_message(app, client):
    with app.app_context():
        row = OidcProvider(name="Weg", discovery_url="http://127.0.0.1:9", client_id="x",
                           client_secret="y")
        db.session.add(row)
        db.session.commit()
        key = row.id
    answer = client.get(f"/inloggen/organisatie/{key}")
    assert answer.status_code == 502
    assert "niet bereikbaar" in answer.get_data(as_text=True)


def test_an_answer_naming_another_issuer_is_refused(app, client, provider, issuers):
    """RFC 9207: the answer's `iss` must be the provider's own (a mix-up defence)."""
    callback = authorize(client, provider, "lid").replace(
        "iss=" + quote(issuers["tenant_a"], safe=""), "iss=" + quote(issuers["tenant_b"], safe=""))
    assert issuers["tenant_b"] in unquote(callback)
    answer = come_back(client, callback)
    assert answer.status_code == 400
    assert "komt niet van de organisatie" in answer.get_data(as_text=True)


TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@pytest.mark.parametrize(("claims", "allowed"), [
    ({"iss": f"https://login.microsoftonline.com/{TENANT}/v2.0", "tid": TENANT}, True),
    # Another tenant, or a tid that does not match its issuer.
    ({"iss": "https://login.microsoftonline.com/0000aaaa-11bb-22cc-33dd-444444eeeeee/v2.0",
      "tid": "0000aaaa-11bb-22cc-33dd-444444eeeeee"}, False),
    ({"iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
      "tid": "0000aaaa-11bb-22cc-33dd-444444eeeeee"}, False),
    ({"iss": "https://sso.example.org/realms/zeist"}, True),
    ({"iss": "https://sso.example.org/realms/zeist-nep"}, False),
])
def test_entra_tenant_ids_and_issuers_in_the_allow_list(claims, allowed):
    settings = oidc.ProviderSettings(
        key="1", name="Zeist", discovery_url="https://login.microsoftonline.com/organizations/v2.0",
        client_id="x", client_secret="y",
        allowed_issuers=(TENANT, "https://sso.example.org/realms/zeist"))
    document = {"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"}
    assert oidc.issuer_allowed(settings, document, claims) is allowed


@pytest.mark.parametrize(("claims", "email"), [
    ({"email": "Lid@Zeist.nl", "email_verified": True}, "lid@zeist.nl"),
    ({"email": "lid@zeist.nl", "xms_edov": True}, "lid@zeist.nl"),  # Entra ID's claim
    ({"email": "lid@zeist.nl", "email_verified": False}, None),
    ({"email": "lid@zeist.nl"}, None),
    ({"email_verified": True}, None),
])
def test_only_a_vouched_for_address_counts(claims, email):
    assert oidc.verified_email(claims) == email


def test_environment_lists_as_json_or_commas(app):
    app.config.update(OIDC_DISCOVERY_URL="https://sso.example.org/realms/zeist",
                      OIDC_CLIENT_ID="consult", OIDC_ALLOWED_ISSUERS=[TENANT, "https://a.example"],
                      OIDC_MUNICIPALITIES="Zeist, Utrecht")
    with app.app_context():
        settings = oidc_login.environment_provider()
    assert settings.allowed_issuers == (TENANT, "https://a.example")
    assert settings.municipalities == ("Zeist", "Utrecht")
