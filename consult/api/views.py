"""The read API, /api/v1 (NL API Design Rules, core): JSON, Dutch plural resource names,
no trailing slashes, the API-Version header on every answer, errors as problem+json.

Every request but the OpenAPI document carries a personal token; the token's owner is the
current user for the loaders and `can_*` of consult.permissions, within the token's body."""

from flask import Blueprint, abort, current_app, g, jsonify, request
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from consult.accounts import throttle
from consult.api import problems, reading, schemas, tokens
from consult.api.problems import ApiProblem
from consult.api.spec import build_spec, operation
from consult.database import writes_on_get
from consult.extensions import db
from consult.meetings.attachments import files
from consult.meetings.models import Body
from consult.permissions import (
    attachment_for,
    can_use_api_token,
    can_view_outcome,
    can_view_statement,
    item_for,
    meeting_for,
    token_covers,
)
from consult.statements.models import Outcome, Statement
from consult.transactions import keep_changes

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_error_handler(HTTPException, problems.handle_http_exception)
bp.register_error_handler(OperationalError, problems.handle_database_unavailable)
bp.register_error_handler(Exception, problems.handle_unexpected_error)

PAGE, PERIOD, FILTER = schemas.PageQuery(), schemas.PeriodQuery(), schemas.MeetingFilterQuery()


@bp.before_request
def authenticate():
    """The bearer token decides who asks (never the session cookie). Each request counts
    for the token's rate limit, also one answered with an error (keep_changes)."""
    mark = getattr(current_app.view_functions.get(request.endpoint), "api_operation", None)
    if mark and mark["public"]:
        return
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    token = tokens.find_token(raw.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise ApiProblem(401)
    g._login_user = token.user  # Flask-Login's current user for this request only
    g.api_token = token
    if not can_use_api_token(token.user, token):
        raise ApiProblem(403, "Het account van dit token mag dit overleg niet (meer) lezen.")
    try:
        tokens.count_request(token)
    except throttle.TooManyAttempts as error:
        raise ApiProblem(429, headers={"Retry-After": str(error.retry_after)}) from None
    keep_changes()


@bp.after_request
def version_header(response):
    response.headers["API-Version"] = current_app.config["API_VERSION"]
    return response


def query_params(schema) -> dict:
    """The query string through its schema; a wrong value is a 400 naming the parameter."""
    try:
        return schema.load(request.args, unknown="exclude")
    except ValidationError as error:
        invalid = [{"name": name, "reason": " ".join(str(m) for m in messages)}
                   for name, messages in error.normalized_messages().items()]
        raise ApiProblem(400, "Een of meer parameters zijn ongeldig.", invalid) from None


def in_scope(body: Body) -> None:
    if not token_covers(g.api_token, body):
        raise ApiProblem(403, "Dit token geldt voor een ander overleg.")


def body_in_scope(body_id: int) -> Body:
    body = db.get_or_404(Body, body_id)
    in_scope(body)
    return body


# --- routes ---------------------------------------------------------------------------


@bp.get("/openapi.json")
@operation(summary="Deze beschrijving (OpenAPI 3)", tag="documentatie", public=True)
def openapi():
    response = jsonify(build_spec())
    response.headers["Access-Control-Allow-Origin"] = "*"  # ADR /core/publish-openapi
    return response


@bp.get("/overleggen")
@writes_on_get
@operation(summary="De overleggen van het token", tag="overleggen", query=schemas.PageQuery,
           response=schemas.page_of("overleggen", schemas.Overleg))
def bodies():
    query = select(Body).where(Body.id == g.api_token.body_id).order_by(Body.id)
    return reading.page_json("overleggen", query, query_params(PAGE), lambda _b: True,
                             reading.body_json)


@bp.get("/overleggen/<int:id>")
@writes_on_get
@operation(summary="Eén overleg", tag="overleggen", response=schemas.Overleg)
def body(id: int):  # noqa: A002 - the resource's id, as the path names it
    return reading.body_json(body_in_scope(id))


@bp.get("/overleggen/<int:id>/vergaderingen")
@writes_on_get
@operation(summary="De vergaderingen van een overleg", tag="vergaderingen", query=schemas.PeriodQuery,
           response=schemas.page_of("vergaderingen", schemas.Vergadering),
           description="Op begintijd. Concept-vergaderingen alleen voor de gedelegeerden.")
def body_meetings(id: int):  # noqa: A002
    body = body_in_scope(id)
    return reading.meetings_page(g._login_user, body, query_params(PERIOD))


@bp.get("/overleggen/<int:id>/standpunten")
@writes_on_get
@operation(summary="De standpunten (gezamenlijke inbreng) van een overleg", tag="standpunten",
           query=schemas.MeetingFilterQuery, response=schemas.page_of("standpunten", schemas.Standpunt),
           description="Definitieve standpunten; concepten alleen voor de gedelegeerden.")
def body_statements(id: int):  # noqa: A002
    body = body_in_scope(id)
    return reading.statements_page(g._login_user, body, query_params(FILTER))


@bp.get("/overleggen/<int:id>/uitkomsten")
@writes_on_get
@operation(summary="De uitkomsten (bespreking) van een overleg", tag="uitkomsten",
           query=schemas.MeetingFilterQuery, response=schemas.page_of("uitkomsten", schemas.Uitkomst),
           description="Gepubliceerde uitkomsten; ongepubliceerde alleen voor de gedelegeerden.")
def body_outcomes(id: int):  # noqa: A002
    body = body_in_scope(id)
    return reading.outcomes_page(g._login_user, body, query_params(FILTER))


@bp.get("/vergaderingen/<int:id>")
@writes_on_get
@operation(summary="Eén vergadering", tag="vergaderingen", response=schemas.Vergadering)
def meeting(id: int):  # noqa: A002
    meeting = meeting_for("view_meeting", id)
    in_scope(meeting.body)
    return reading.meeting_json(meeting)


@bp.get("/vergaderingen/<int:id>/agendapunten")
@writes_on_get
@operation(summary="De agendapunten van een vergadering", tag="agendapunten",
           query=schemas.PageQuery, response=schemas.page_of("agendapunten", schemas.Agendapunt))
def meeting_items(id: int):  # noqa: A002
    meeting = meeting_for("view_meeting", id)
    in_scope(meeting.body)
    return reading.items_page(g._login_user, meeting, query_params(PAGE))


@bp.get("/agendapunten/<int:id>")
@writes_on_get
@operation(summary="Eén agendapunt", tag="agendapunten", response=schemas.Agendapunt)
def item(id: int):  # noqa: A002
    item = item_for("view_meeting", id)
    in_scope(item.meeting.body)
    return reading.item_json(item)


@bp.get("/agendapunten/<int:id>/bijlagen")
@writes_on_get
@operation(summary="De bijlagen van een agendapunt", tag="bijlagen", query=schemas.PageQuery,
           response=schemas.page_of("bijlagen", schemas.Bijlage),
           description="Vertrouwelijke bijlagen alleen voor de gedelegeerden.")
def item_attachments(id: int):  # noqa: A002
    item = item_for("view_meeting", id)
    in_scope(item.meeting.body)
    return reading.attachments_page(g._login_user, item, query_params(PAGE))


@bp.get("/bijlagen/<int:id>")
@writes_on_get
@operation(summary="Eén bijlage (gegevens)", tag="bijlagen", response=schemas.Bijlage)
def attachment(id: int):  # noqa: A002
    attachment = attachment_for("view_attachment", id)
    in_scope(attachment.item.meeting.body)
    return reading.attachment_json(attachment)


@bp.get("/bijlagen/<int:id>/bestand")
@writes_on_get
@operation(summary="Het bestand van een bijlage", tag="bijlagen", binary=True,
           description="404 zolang het bestand nog niet is geüpload.")
def attachment_file(id: int):  # noqa: A002
    attachment = attachment_for("view_attachment", id)
    in_scope(attachment.item.meeting.body)
    # As documented: the real type is the metadata's mediaType.
    response = (files.file_response(attachment, "application/octet-stream")
                if attachment.uploaded else None)
    if response is None:  # a placeholder, or its file is missing
        abort(404)
    return response


ANY = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.get("/standpunten/<int:id>")
@writes_on_get
@operation(summary="Eén standpunt", tag="standpunten", response=schemas.Standpunt)
def statement(id: int):  # noqa: A002
    statement = db.session.get(Statement, id)
    if statement is None or statement.current_revision_id is None:  # no text: not there yet
        abort(404)
    if not can_view_statement(g._login_user, statement):
        abort(403)
    in_scope(statement.item.meeting.body)
    return reading.statement_json(statement)


@bp.get("/uitkomsten/<int:id>")
@writes_on_get
@operation(summary="Eén uitkomst", tag="uitkomsten", response=schemas.Uitkomst)
def outcome(id: int):  # noqa: A002
    outcome = db.get_or_404(Outcome, id)
    if not can_view_outcome(g._login_user, outcome):
        abort(403)
    in_scope(outcome.item.meeting.body)
    return reading.outcome_json(outcome)


@bp.route("", defaults={"rest": ""}, methods=ANY, strict_slashes=False)  # and "/", no redirect
@bp.route("/<path:rest>", methods=ANY)
def unknown(rest: str):
    """A path the API does not have, or a method other than GET: a problem, not a page."""
    abort(404 if request.method == "GET" else 405)
