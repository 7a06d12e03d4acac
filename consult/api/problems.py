"""Errors of the API as RFC 9457 problem details (application/problem+json), in Dutch."""

from flask import current_app, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from consult.extensions import db

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: "Ongeldig verzoek",
    401: "Niet geauthenticeerd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    429: "Te veel verzoeken",
    500: "Interne fout",
    503: "Tijdelijk niet beschikbaar",
}

DETAILS = {
    400: "De parameters van het verzoek zijn ongeldig.",
    401: "Stuur een geldig API-token mee: Authorization: Bearer <token>.",
    403: "Dit token geeft geen toegang tot dit object.",
    404: "Dit object bestaat niet, of is met dit token niet te zien.",
    405: "Deze API is alleen-lezen: gebruik GET.",
    429: "Dit token deed te veel verzoeken; probeer het na Retry-After seconden opnieuw.",
    500: "Er ging iets mis. Er is niets gewijzigd.",
    503: "De database is niet bereikbaar. Probeer het later opnieuw.",
}


class ApiProblem(HTTPException):
    """An error with its own detail (and, for a 400, the parameters that were wrong)."""

    def __init__(self, code: int, detail: str | None = None, invalid_params=None, headers=None):
        super().__init__(detail)
        self.code = code
        self.problem_detail = detail
        self.invalid_params = invalid_params
        self.extra_headers = headers or {}


def problem(code: int, detail: str | None = None, invalid_params=None, headers=None):
    body = {"type": "about:blank", "title": TITLES.get(code, "Fout"), "status": code,
            "detail": detail or DETAILS.get(code, ""), "instance": request.path}
    if invalid_params:
        body["invalidParams"] = invalid_params
    response = jsonify(body)
    response.status_code = code
    response.mimetype = PROBLEM_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_http_exception(error: HTTPException):
    code = error.code or 500
    headers = {}
    if code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="consult"'
    if code == 405:
        headers["Allow"] = "GET, HEAD, OPTIONS"
    if isinstance(error, ApiProblem):
        headers.update(error.extra_headers)
        return problem(code, error.problem_detail, error.invalid_params, headers)
    return problem(code, None, None, headers)


def handle_database_unavailable(error: OperationalError):
    current_app.logger.error("database unavailable on %s: %s", request.path, error)
    db.session.rollback()
    return problem(503)


def handle_unexpected_error(error: Exception):
    current_app.logger.exception("unexpected error on %s", request.path)
    db.session.rollback()
    return problem(500)
