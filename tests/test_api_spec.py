"""The OpenAPI document of /api/v1: linted by Spectral with the ADR ruleset (.spectral.yaml),
valid OpenAPI 3, and true: every documented operation is called and its answers (success
and errors) are validated against the document with openapi-core."""

import fcntl
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_spec_validator import validate

from tests.api_world import bearer, build
from tests.conftest import skip_unless_ci

ROOT = Path(__file__).resolve().parents[1]
SPECTRAL_DIR = ROOT / "tools" / "spectral"
SPECTRAL = SPECTRAL_DIR / "node_modules" / ".bin" / "spectral"


def checker(spec: dict) -> OpenAPI:
    """openapi-core, told that problem+json is JSON."""
    return OpenAPI.from_dict(spec, config=Config(
        extra_media_type_deserializers={"application/problem+json": json.loads}))


@pytest.fixture
def api_world(app, users):
    return build(app, users)


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["API-Version"] == response.json["info"]["version"]
    return response.json


def spectral() -> Path:
    """Spectral from the npm registry, installed from tools/spectral's lock file on first
    use (under a lock: parallel test workers install once)."""
    if SPECTRAL.exists():
        return SPECTRAL
    npm = shutil.which("npm")
    if npm is None:
        skip_unless_ci("npm is not installed")
    with open(SPECTRAL_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not SPECTRAL.exists():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=SPECTRAL_DIR, check=True, timeout=600)
    return SPECTRAL


def lint(document: dict, tmp_path: Path) -> list[dict]:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    result = subprocess.run(
        [str(spectral()), "lint", "--ruleset", str(ROOT / ".spectral.yaml"), "--format", "json",
         "--quiet", "--fail-severity", "error", str(path)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout or "[]")


def test_spectral_finds_no_error_in_the_document(spec, tmp_path):
    results = lint(spec, tmp_path)
    errors = [(r["code"], ".".join(map(str, r["path"])), r["message"]) for r in results
              if r["severity"] == 0]
    assert errors == []
    assert results == []  # no warnings either


def test_the_ruleset_catches_breaches_of_the_design_rules(spec, tmp_path):
    """The ruleset is not empty words: a document that breaks the rules fails on each."""
    broken = json.loads(json.dumps(spec))
    broken["paths"]["/Vergaderingen/"] = broken["paths"]["/overleggen"]
    broken["paths"]["/overleggen"]["post"] = broken["paths"]["/overleggen"]["get"]
    del broken["paths"]["/overleggen/{id}"]["get"]["responses"]["200"]["headers"]
    broken["paths"]["/openapi.json"]["get"]["responses"]["404"] = {
        "description": "fout", "content": {"application/json": {}}}
    broken["servers"] = [{"url": "http://consult.example.org/api"}]
    del broken["info"]["contact"]["email"]
    broken["info"]["version"] = "1"
    broken["components"]["schemas"]["Vergadering"]["properties"]["startDatum"] = {
        "type": "string", "format": "date-time"}
    codes = {r["code"] for r in lint(broken, tmp_path) if r["severity"] == 0}
    assert {"adr-no-trailing-slash", "adr-naming-collections", "adr-path-segments-kebab-case",
            "adr-http-methods", "adr-version-header", "adr-problem-details", "adr-uri-version",
            "adr-transport-security", "adr-doc-openapi-contact", "adr-semver",
            "adr-date-fields-are-dates"} <= codes


def test_the_document_is_valid_openapi_3(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert all(not path.endswith("/") for path in spec["paths"])


def path_ids(api_world) -> dict:
    return {"overleggen": api_world["body"], "vergaderingen": api_world["held"],
            "agendapunten": api_world["item"], "bijlagen": api_world["attachment"],
            "standpunten": api_world["statement"], "uitkomsten": api_world["outcome"]}


def operations(spec):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_documented_operation_answers_as_documented(app, client, spec, api_world):
    """Success with a token, and each documented error that can be provoked: no token
    (401), another body's token (403), an unknown id (404), a wrong parameter (400)."""
    openapi = checker(spec)
    ids = path_ids(api_world)
    seen = set()
    for path, method, operation in operations(spec):
        assert method == "get"
        params = operation["parameters"]
        url = "/api/v1" + path.format(id=ids.get(path.split("/")[1]))
        calls = [(url, bearer(api_world["token"]))]
        if operation.get("security") != []:
            calls += [(url, {}), (url, bearer(api_world["other_token"]))]
        if any(p["in"] == "path" for p in params):
            calls.append(("/api/v1" + path.format(id=999999), bearer(api_world["token"])))
        if any(p["in"] == "query" and p["name"] == "pageSize" for p in params):
            calls.append((url + "?pageSize=0", bearer(api_world["token"])))
        for call_url, headers in calls:
            response = client.get(call_url, headers=headers)
            assert str(response.status_code) in operation["responses"], (call_url, response.status_code)
            openapi.validate_response(WerkzeugOpenAPIRequest(response.request),
                                      WerkzeugOpenAPIResponse(response))
            seen.add((path, response.status_code))
    documented = {path for path, _method, _operation in operations(spec)}
    assert {path for path, status in seen if status == 200} == documented
    assert {status for _path, status in seen} == {200, 400, 401, 403, 404}


def test_a_rate_limited_answer_is_as_documented(app, client, spec, api_world):
    openapi = checker(spec)
    app.config["API_RATE_LIMIT"] = 1
    headers = bearer(api_world["token"])
    client.get("/api/v1/overleggen", headers=headers)
    response = client.get("/api/v1/overleggen", headers=headers)
    assert response.status_code == 429
    openapi.validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))


def test_the_validation_would_catch_a_document_that_lies(client, spec, api_world):
    """The check above has teeth: with a wrong type in the document, a true answer fails."""
    from openapi_core.validation.response.exceptions import InvalidData

    spec["components"]["schemas"]["Overleg"]["properties"]["naam"] = {"type": "integer"}
    response = client.get(f"/api/v1/overleggen/{api_world['body']}", headers=bearer(api_world["token"]))
    with pytest.raises(InvalidData):
        checker(spec).validate_response(WerkzeugOpenAPIRequest(response.request),
                                        WerkzeugOpenAPIResponse(response))
