"""The read API /api/v1: tokens, what a token shows (the pages' rules), paging and
filters, problem+json errors, the rate limit, the account page and the Atom feed."""

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from werkzeug.serving import make_server

from consult.extensions import db
from tests.api_world import bearer, build

ROOT = Path(__file__).resolve().parents[1]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def api_world(app, users):
    return build(app, users)


def texts(page: dict, name: str, field: str = "tekst") -> list:
    return [row[field] for row in page["_embedded"][name]]


def test_the_example_script_lists_meetings_items_statements_and_outcomes(app, api_world):
    """docs/api_example.py against a real HTTP server, as a user would run it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "docs" / "api_example.py"), f"http://127.0.0.1:{server.port}"],
            env={**os.environ, "CONSULT_API_TOKEN": api_world["token"]},
            capture_output=True, text=True, timeout=60, check=True)
    finally:
        server.shutdown()
    out = result.stdout
    assert "# Taskforce Samen Organiseren" in out
    assert out.count("## Vergadering") == 4  # held, recent, upcoming and the draft (a delegate)
    assert "- 1. Agendapunt 1" in out
    assert "Inbreng VIAG/IMG+CIO bij 1. Agendapunt 1: Standpunt één" in out
    assert "Concept twee" not in out  # the script prints the final statements only
    assert "Bespreking TF bij 1. Agendapunt 1: Uitkomst één" in out
    assert "andere overleg" not in out


def test_a_token_reads_its_body_with_its_owners_rights(client, api_world):
    headers = bearer(api_world["token"])
    bodies = client.get("/api/v1/overleggen", headers=headers).json
    assert [b["id"] for b in bodies["_embedded"]["overleggen"]] == [api_world["body"]]
    meetings = client.get(f"/api/v1/overleggen/{api_world['body']}/vergaderingen", headers=headers).json
    assert api_world["draft"] in [m["id"] for m in meetings["_embedded"]["vergaderingen"]]
    statements = client.get(f"/api/v1/overleggen/{api_world['body']}/standpunten", headers=headers).json
    assert {s["status"] for s in statements["_embedded"]["standpunten"]} == {"definitief", "concept"}
    attachments = client.get(f"/api/v1/agendapunten/{api_world['item']}/bijlagen", headers=headers).json
    assert [a["vertrouwelijk"] for a in attachments["_embedded"]["bijlagen"]] == [False, True]


def test_without_managing_rights_only_the_published_is_read(app, api_world, users):
    """The rule's other branch (a member's view), on the reading service itself."""
    from consult.accounts.models import User
    from consult.api import reading
    from consult.meetings.models import AgendaItem, Body

    params = {"page": 1, "pageSize": 100}
    with app.test_request_context("/api/v1/x"):
        member = db.session.get(User, users["member"])
        body = db.session.get(Body, api_world["body"])
        meetings = reading.meetings_page(member, body, params)["_embedded"]["vergaderingen"]
        assert api_world["draft"] not in [m["id"] for m in meetings] and len(meetings) == 3
        statements = reading.statements_page(member, body, params)
        assert texts(statements, "standpunten") == ["Standpunt één: graag samen optrekken.",
                                                    "Definitief, vóór de terugkoppeling."]
        outcomes = reading.outcomes_page(member, body, params)
        assert texts(outcomes, "uitkomsten") == ["Uitkomst één: de Taskforce neemt het over."]
        item = db.session.get(AgendaItem, api_world["item"])
        attachments = reading.attachments_page(member, item, params)["_embedded"]["bijlagen"]
        assert [a["label"] for a in attachments] == ["1a"]


def test_a_token_is_for_one_body(client, api_world):
    response = client.get(f"/api/v1/vergaderingen/{api_world['foreign']}", headers=bearer(api_world["token"]))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"] == "Dit token geldt voor een ander overleg."
    other = client.get(f"/api/v1/vergaderingen/{api_world['foreign']}",
                       headers=bearer(api_world["other_token"]))
    assert other.status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer cst_onbekend", "Basic abc", "Bearer "])
def test_no_valid_token_is_401_problem(client, api_world, header):
    response = client.get("/api/v1/overleggen", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["API-Version"] == "1.0.0"
    assert set(response.json) == {"type", "title", "status", "detail", "instance"}


def test_a_logged_in_session_is_no_token(client, auth, api_world):
    auth.login("delegate")
    assert client.get("/api/v1/overleggen").status_code == 401


def test_revoked_expired_and_demoted_tokens_stop_working(app, client, api_world, users):
    from consult.accounts.models import Role, User, hash_token
    from consult.api.models import ApiToken
    from consult.database import utcnow

    path, headers = "/api/v1/overleggen", bearer(api_world["token"])
    assert client.get(path, headers=headers).status_code == 200
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken).where(
            ApiToken.token_hash == hash_token(api_world["token"])))
        assert token.token_hash != api_world["token"] and token.last_used_at is not None
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(path, headers=headers).status_code == 401
    admin_headers = bearer(api_world["admin_token"])
    with app.app_context():
        db.session.get(User, users["admin"]).role = Role.MEMBER
        db.session.commit()
    response = client.get(path, headers=admin_headers)
    assert response.status_code == 403 and "niet (meer)" in response.json["detail"]


def test_paging_links_and_period_filters(client, api_world):
    headers = bearer(api_world["token"])
    path = f"/api/v1/overleggen/{api_world['body']}/vergaderingen"
    first = client.get(f"{path}?pageSize=3", headers=headers).json
    assert (first["page"], first["pageSize"], first["totalItems"], first["totalPages"]) == (1, 3, 4, 2)
    assert first["_links"]["prev"] is None
    assert first["_links"]["next"]["href"] == f"http://localhost{path}?page=2&pageSize=3"
    second = client.get(first["_links"]["next"]["href"], headers=headers).json
    assert [m["id"] for m in second["_embedded"]["vergaderingen"]] == [api_world["draft"]]
    assert second["_links"]["next"] is None and second["_links"]["prev"]["href"].endswith("page=1&pageSize=3")
    from consult.database import utcnow

    today = utcnow().date()
    window = client.get(f"{path}?vanaf={today - timedelta(days=7)}&tot={today + timedelta(days=30)}",
                        headers=headers).json
    assert [m["id"] for m in window["_embedded"]["vergaderingen"]] == [api_world["recent"],
                                                                       api_world["upcoming"]]
    assert f"vanaf={today - timedelta(days=7)}" in window["_links"]["self"]["href"]
    path = f"/api/v1/overleggen/{api_world['body']}/uitkomsten?vergadering={api_world['held']}"
    outcomes = client.get(path, headers=headers).json
    assert texts(outcomes, "uitkomsten") == ["Uitkomst één: de Taskforce neemt het over."]
    assert outcomes["_embedded"]["uitkomsten"][0]["gepubliceerd"] is True


@pytest.mark.parametrize(("query", "name"), [("vanaf=gisteren", "vanaf"), ("pageSize=1000", "pageSize"),
                                             ("page=0", "page"), ("vanaf=2026-02-01&tot=2026-01-01", "tot")])
def test_a_wrong_parameter_is_400_naming_it(client, api_world, query, name):
    response = client.get(f"/api/v1/overleggen/{api_world['body']}/vergaderingen?{query}",
                          headers=bearer(api_world["token"]))
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert [p["name"] for p in response.json["invalidParams"]] == [name]


def test_unknown_paths_and_methods_are_problems(client, api_world):
    headers = bearer(api_world["token"])
    for path in ("/api/v1/onbekend", "/api/v1/vergaderingen/999999", "/api/v1/overleggen/abc",
                 "/api/v1/overleggen/"):
        response = client.get(path, headers=headers)
        assert (response.status_code, response.mimetype) == (404, "application/problem+json"), path
        assert response.headers["API-Version"] == "1.0.0"
    response = client.delete(f"/api/v1/overleggen/{api_world['body']}", headers=headers)
    assert (response.status_code, response.mimetype) == (405, "application/problem+json")


def test_the_rate_limit_counts_every_request_of_a_token(app, client, api_world):
    from consult.accounts import throttle
    from consult.accounts.models import ThrottleCounter, hash_token
    from consult.api.models import ApiToken

    app.config["API_RATE_LIMIT"] = 3
    headers = bearer(api_world["token"])
    assert client.get("/api/v1/overleggen", headers=headers).status_code == 200
    assert client.get("/api/v1/vergaderingen/999999", headers=headers).status_code == 404  # counts too
    assert client.get("/api/v1/overleggen", headers=headers).status_code == 200
    limited = client.get("/api/v1/overleggen", headers=headers)
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    assert client.get("/api/v1/overleggen", headers=bearer(api_world["admin_token"])).status_code == 200
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken).where(
            ApiToken.token_hash == hash_token(api_world["token"])))
        assert token.last_used_at is not None
        [counter] = db.session.scalars(db.select(ThrottleCounter).where(
            ThrottleCounter.key == throttle.Limit(f"api-token:{token.id}", 3,
                                                  timedelta(minutes=1)).stored_key)).all()
        assert counter.count == 3
        counter.window_start -= timedelta(seconds=61)  # the window is over
        db.session.commit()
    assert client.get("/api/v1/overleggen", headers=headers).status_code == 200


def test_the_attachment_file_comes_with_the_token(client, api_world):
    headers = bearer(api_world["token"])
    meta = client.get(f"/api/v1/bijlagen/{api_world['attachment']}", headers=headers).json
    response = client.get(meta["_links"]["download"]["href"], headers=headers)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert meta["sha256"] and meta["grootte"] == len(response.data)


def test_tokens_are_made_shown_once_and_revoked_on_the_account_page(app, client, auth, api_world):
    from consult.api.models import ApiToken

    auth.login("delegate")
    page = client.get("/account").get_data(as_text=True)
    assert "API-tokens" in page and "Website" in page and api_world["token"] not in page
    empty = client.post("/account/api-tokens", data={"name": "", "body": api_world["body"], "days": 30})
    assert empty.status_code == 422 and "Geef het token een naam" in empty.get_data(as_text=True)
    foreign = client.post("/account/api-tokens", data={"name": "Mijn script", "body": api_world["other"],
                                                       "days": 30})
    assert foreign.status_code == 422 and 'value="Mijn script"' in foreign.get_data(as_text=True)
    made = client.post("/account/api-tokens", data={"name": "Script", "body": api_world["body"], "days": 90})
    assert made.status_code == 200
    raw = etree.HTML(made.data).xpath("//input[@id='api-token']/@value")[0]
    assert raw.startswith("cst_")
    assert client.get("/api/v1/overleggen", headers=bearer(raw)).status_code == 200
    assert raw not in client.get("/account").get_data(as_text=True)  # shown once
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "Script"))
        assert (token.expires_at - token.created_at).days == 90
        token_id = token.id
    revoked = client.post(f"/account/api-tokens/{token_id}/intrekken")
    assert revoked.status_code == 303
    assert client.get("/api/v1/overleggen", headers=bearer(raw)).status_code == 401
    auth.login("admin")
    assert client.post(f"/account/api-tokens/{token_id}/intrekken").status_code == 403


def test_members_have_no_token_panel(client, auth, api_world):
    auth.login("member")
    assert "API-tokens" not in client.get("/account").get_data(as_text=True)
    assert client.post("/account/api-tokens", data={"name": "x", "body": api_world["body"],
                                                     "days": 30}).status_code == 403


def test_the_feed_is_atom_with_only_what_is_published(client, api_world):
    response = client.get(f"/overleggen/{api_world['body']}/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = etree.fromstring(response.data, etree.XMLParser(resolve_entities=False))
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):  # RFC 4287 4.1.1
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1  # only the meeting whose outcomes are published
    entry = entries[0]
    for name in ("id", "title", "updated", "content"):
        assert len(entry.findall(f"{ATOM}{name}")) == 1, name
    assert entry.find(f"{ATOM}link").get("rel") == "alternate"
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    html = etree.HTML(content.text)
    body_text = " ".join(html.itertext())
    assert "Standpunt één" in body_text and "Uitkomst één" in body_text
    assert "Inbreng VIAG/IMG+CIO" in body_text and "Bespreking TF" in body_text
    raw = response.get_data(as_text=True)
    for hidden in ("Concept twee", "vóór de terugkoppeling", "nog niet gepubliceerd", "andere overleg"):
        assert hidden not in raw


def test_the_rate_limit_holds_for_concurrent_requests(app, api_world):
    """Ten requests at once through a threaded server, five allowed: exactly five pass
    (the conditional UPDATE; on SQLite the writes_on_get views begin IMMEDIATE)."""
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    app.config["API_RATE_LIMIT"] = 5
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def status(_):
        request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/v1/overleggen",
                                         headers=bearer(api_world["token"]))
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        with ThreadPoolExecutor(10) as pool:
            statuses = sorted(pool.map(status, range(10)))
    finally:
        server.shutdown()
    assert statuses == [200] * 5 + [429] * 5


def test_the_api_root_is_a_problem_too(client, api_world):
    for path in ("/api/v1", "/api/v1/"):
        response = client.get(path, headers=bearer(api_world["token"]))
        assert (response.status_code, response.mimetype) == (404, "application/problem+json")


def test_a_statement_and_an_outcome_by_their_own_link(client, api_world):
    headers = bearer(api_world["token"])
    page = client.get(f"/api/v1/overleggen/{api_world['body']}/standpunten?vergadering={api_world['held']}",
                      headers=headers).json
    final = next(s for s in page["_embedded"]["standpunten"] if s["status"] == "definitief")
    one = client.get(final["_links"]["self"]["href"], headers=headers)
    assert one.status_code == 200 and one.json == final
    outcome = client.get(f"/api/v1/uitkomsten/{api_world['outcome']}", headers=headers).json
    assert outcome["tekst"].startswith("Uitkomst één") and outcome["gepubliceerd"] is True
    other = client.get(f"/api/v1/standpunten/{api_world['statement']}",
                       headers=bearer(api_world["other_token"]))
    assert other.status_code == 403
