"""The OpenAPI 3 document, made from the code: every route of the API blueprint with the
`operation` mark, its path parameters from the URL rule, its query parameters and
answer from the marshmallow schemas (apispec's MarshmallowPlugin)."""

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from consult.api import schemas

PREFIX = "/api/v1"
ERRORS = {400: ("BadRequest", "Ongeldige parameters"),
          401: ("Unauthorized", "Geen of een ongeldig API-token"),
          403: ("Forbidden", "Het token geeft geen toegang tot dit object"),
          404: ("NotFound", "Niet gevonden, of met dit token niet te zien"),
          429: ("TooManyRequests", "Te veel verzoeken met dit token"),
          503: ("ServiceUnavailable", "Tijdelijk niet beschikbaar")}
OWNERS = {"overleggen": "het overleg", "vergaderingen": "de vergadering",
          "agendapunten": "het agendapunt", "bijlagen": "de bijlage", "standpunten": "het standpunt",
          "uitkomsten": "de uitkomst"}
VERSION_HEADER = {"$ref": "#/components/headers/API-Version"}
DESCRIPTION = """\
Alleen-lezen API van Consult: de overleggen, vergaderingen, agendapunten, bijlagen,
standpunten (de gezamenlijke inbreng) en uitkomsten (de bespreking) van één overleg.

Authenticatie met een persoonlijk API-token (Authorization: Bearer <token>), dat een
gedelegeerde of beheerder maakt op de pagina Mijn account. Een token geldt voor één
overleg, verloopt, kan worden ingetrokken en mag een beperkt aantal verzoeken per minuut
doen. Wat een token laat zien is wat de eigenaar op de pagina's ziet: concept-vergaderingen,
vertrouwelijke bijlagen, concept-standpunten en ongepubliceerde uitkomsten alleen voor de
gedelegeerden van het overleg en beheerders.

Opgesteld volgens de API Design Rules (Logius, core). Fouten volgen RFC 9457
(application/problem+json); elke response heeft de header API-Version."""


def operation(*, summary: str, tag: str, response: type | None = None, query: type | None = None,
              description: str = "", binary: bool = False, public: bool = False):
    """Marks a view as a documented API operation."""

    def decorator(view):
        view.api_operation = {"summary": summary, "tag": tag, "response": response, "query": query,
                              "description": description, "binary": binary, "public": public}
        return view

    return decorator


def openapi_path(rule: str) -> tuple[str, list[str]]:
    """`/api/v1/overleggen/<int:id>` → (`/overleggen/{id}`, ["id"])."""
    names = re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule)
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.removeprefix(PREFIX)), names


def _operation(endpoint: str, mark: dict, names: list[str], path: str) -> dict:
    description = f"Het id van {OWNERS.get(path.split('/')[1], 'het object')}"
    success = {"description": "OK", "headers": {"API-Version": VERSION_HEADER}}
    if mark["binary"]:
        success["content"] = {"application/octet-stream": {
            "schema": {"type": "string", "format": "binary"}}}
    elif mark["response"] is not None:
        success["content"] = {"application/json": {"schema": mark["response"]}}
    codes = [404, 503] if mark["public"] else [401, 403, 404, 429, 503]
    if names or mark["query"]:
        codes.insert(0, 400)
    parameters = [{"in": "path", "name": name, "required": True, "description": description,
                   "schema": {"type": "integer", "minimum": 1}} for name in names]
    if mark["query"]:
        parameters.append({"in": "query", "schema": mark["query"]})
    operation = {
        "operationId": endpoint.removeprefix("api.").replace("_", "-"),
        "summary": mark["summary"], "description": mark["description"] or mark["summary"],
        "tags": [mark["tag"]], "parameters": parameters,
        "responses": {"200": success, **{str(code): {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
                                         for code in codes}},
    }
    if mark["public"]:
        operation["security"] = []
    return operation


def _components(spec: APISpec) -> None:
    spec.components.security_scheme("apiToken", {
        "type": "http", "scheme": "bearer",
        "description": "Een persoonlijk API-token van de pagina Mijn account"})
    spec.components.header("API-Version", {
        "description": "De volledige versie van de API (ADR /core/version-header)",
        "schema": {"type": "string", "example": current_app.config["API_VERSION"]}})
    spec.components.schema("Problem", schema=schemas.Problem)
    for code, (name, description) in ERRORS.items():
        headers = {"API-Version": VERSION_HEADER}
        if code == 429:
            headers["Retry-After"] = {"description": "Seconden tot een nieuw verzoek kan",
                                      "schema": {"type": "integer"}}
        spec.components.response(name, {
            "description": description, "headers": headers,
            "content": {"application/problem+json": {"schema": "Problem"}}})


def build_spec() -> dict:
    config = current_app.config
    spec = APISpec(
        title="Consult API", version=config["API_VERSION"], openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": DESCRIPTION, "contact": {
            "name": config["API_CONTACT_NAME"], "email": config["API_CONTACT_EMAIL"],
            "url": config["BASE_URL"].rstrip("/") + "/"}},
        servers=[{"url": PREFIX, "description": "Deze installatie"}],
        security=[{"apiToken": []}],
        tags=[{"name": name, "description": description} for name, description in TAGS],
    )
    _components(spec)
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        mark = getattr(current_app.view_functions[rule.endpoint], "api_operation", None)
        if mark is None or not rule.endpoint.startswith("api."):
            continue
        path, names = openapi_path(rule.rule)
        spec.path(path=path, operations={"get": _operation(rule.endpoint, mark, names, path)})
    return spec.to_dict()


TAGS = [("overleggen", "Gremia, zoals de Taskforce Samen Organiseren"),
        ("vergaderingen", "De vergaderingen van een overleg"),
        ("agendapunten", "De agendapunten van een vergadering"),
        ("bijlagen", "De documenten bij een agendapunt"),
        ("standpunten", "De gezamenlijke inbreng per agendapunt"),
        ("uitkomsten", "Wat de vergadering met een agendapunt deed"),
        ("documentatie", "Deze beschrijving")]
