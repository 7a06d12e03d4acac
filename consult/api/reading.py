"""What the API reads: the queries (with the same rules as the pages, from
consult.permissions) and the JSON of each resource, with its links.

Each collection is narrowed in SQL by the branch of the rule that applies to the caller
(a body's delegates see drafts, others only what is published), then every row is passed
through the `can_view_*` of the pages, so a page can be short but never shows more."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.api import schemas
from consult.database import paginate
from consult.extensions import db
from consult.meetings.models import AgendaItem, Attachment, Body, Meeting
from consult.meetings.status import meeting_status
from consult.permissions import (
    can_manage_meetings,
    can_view_attachment,
    can_view_meeting,
    can_view_outcome,
    can_view_statement,
)
from consult.statements.models import Outcome, Statement, StatementStatus

OVERLEG, VERGADERING = schemas.Overleg(), schemas.Vergadering()
AGENDAPUNT, BIJLAGE = schemas.Agendapunt(), schemas.Bijlage()
STANDPUNT, UITKOMST = schemas.Standpunt(), schemas.Uitkomst()


def link(endpoint: str, **values) -> dict:
    return {"href": url_for(endpoint, _external=True, **values)}


def body_json(body: Body) -> dict:
    data = OVERLEG.dump(body)
    data["_links"] = {"self": link("api.body", id=body.id),
                      "vergaderingen": link("api.body_meetings", id=body.id),
                      "standpunten": link("api.body_statements", id=body.id),
                      "uitkomsten": link("api.body_outcomes", id=body.id),
                      "feed": link("api_feed.body_feed", body_id=body.id)}
    return data


def meeting_json(meeting: Meeting) -> dict:
    data = VERGADERING.dump(meeting)
    data["status"] = meeting_status(meeting).value
    data["_links"] = {"self": link("api.meeting", id=meeting.id),
                      "overleg": link("api.body", id=meeting.body_id),
                      "agendapunten": link("api.meeting_items", id=meeting.id),
                      "pagina": link("meetings.meeting", meeting_id=meeting.id)}
    return data


def item_json(item: AgendaItem) -> dict:
    data = AGENDAPUNT.dump(item)
    data["doel"] = item.purpose.value if item.purpose else None
    data["_links"] = {"self": link("api.item", id=item.id),
                      "vergadering": link("api.meeting", id=item.meeting_id),
                      "bijlagen": link("api.item_attachments", id=item.id),
                      "pagina": link("meetings.item", item_id=item.id)}
    return data


def attachment_json(attachment: Attachment) -> dict:
    data = BIJLAGE.dump(attachment)
    data["_links"] = {"self": link("api.attachment", id=attachment.id),
                      "agendapunt": link("api.item", id=attachment.item_id),
                      "download": link("api.attachment_file", id=attachment.id)
                      if attachment.uploaded else None}
    return data


def statement_json(statement: Statement) -> dict:
    data = STANDPUNT.dump(statement)
    data["status"] = statement.status.value
    data["_links"] = {"self": link("api.statement", id=statement.id),
                      "agendapunt": link("api.item", id=statement.item_id)}
    return data


def outcome_json(outcome: Outcome) -> dict:
    data = UITKOMST.dump(outcome)
    data["gepubliceerd"] = outcome.item.meeting.outcomes_published_at is not None
    data["_links"] = {"self": link("api.outcome", id=outcome.id),
                      "agendapunt": link("api.item", id=outcome.item_id)}
    return data


# --- pages of a collection -----------------------------------------------------------------


def _page_link(page: int, params: dict) -> dict:
    args = {**request.view_args, **{k: v.isoformat() if isinstance(v, date) else v
                                    for k, v in params.items() if v is not None}, "page": page}
    return link(request.endpoint, **args)


def page_json(name: str, query, params: dict, visible, serialize) -> dict:
    """One page of `query`: the rows `visible(row)` allows, as `serialize(row)`, with
    HAL links to the first, previous, next and last page (with the same filters)."""
    size = params["pageSize"]
    rows, page, total, pages = paginate(db.session, query, params["page"], size)
    return {
        "_embedded": {name: [serialize(row) for row in rows if visible(row)]},
        "_links": {"self": _page_link(page, params), "first": _page_link(1, params),
                   "last": _page_link(pages, params),
                   "prev": _page_link(min(page - 1, pages), params) if page > 1 else None,
                   "next": _page_link(page + 1, params) if page < pages else None},
        "page": page, "pageSize": size, "totalItems": total, "totalPages": pages,
    }


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(current_app.config["TIMEZONE"]))


def _in_period(query, params: dict):
    if params.get("vanaf"):
        query = query.where(Meeting.starts_at >= _local_midnight(params["vanaf"]))
    if params.get("tot"):
        query = query.where(Meeting.starts_at < _local_midnight(params["tot"]))
    if params.get("vergadering"):
        query = query.where(Meeting.id == params["vergadering"])
    return query


def meetings_page(user, body: Body, params: dict) -> dict:
    query = _in_period(select(Meeting).where(Meeting.body_id == body.id), params)
    if not can_manage_meetings(user, body):
        query = query.where(Meeting.published_at.is_not(None))
    query = query.options(selectinload(Meeting.body)).order_by(Meeting.starts_at, Meeting.id)
    return page_json("vergaderingen", query, params, lambda m: can_view_meeting(user, m),
                     meeting_json)


def items_page(user, meeting: Meeting, params: dict) -> dict:
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(
        AgendaItem.position, AgendaItem.id)
    return page_json("agendapunten", query, params, lambda _item: True, item_json)


def attachments_page(user, item: AgendaItem, params: dict) -> dict:
    query = select(Attachment).where(Attachment.item_id == item.id)
    if not can_manage_meetings(user, item.meeting.body):
        query = query.where(Attachment.confidential.is_(False))
    query = query.order_by(Attachment.label, Attachment.id)
    return page_json("bijlagen", query, params, lambda a: can_view_attachment(user, a),
                     attachment_json)


def _of_body(model, body: Body, params: dict):
    query = (select(model).join(AgendaItem, AgendaItem.id == model.item_id)
             .join(Meeting, Meeting.id == AgendaItem.meeting_id).where(Meeting.body_id == body.id))
    return _in_period(query, params).options(
        selectinload(model.item).selectinload(AgendaItem.meeting).selectinload(Meeting.body)
    ).order_by(Meeting.starts_at, AgendaItem.position, model.id)


def statements_page(user, body: Body, params: dict) -> dict:
    query = _of_body(Statement, body, params).where(Statement.current_revision_id.is_not(None))
    if not can_manage_meetings(user, body):
        query = query.where(Statement.status == StatementStatus.FINAL,
                            Meeting.published_at.is_not(None))
    query = query.options(selectinload(Statement.current_revision))
    return page_json("standpunten", query, params, lambda s: can_view_statement(user, s),
                     statement_json)


def outcomes_page(user, body: Body, params: dict) -> dict:
    query = _of_body(Outcome, body, params)
    if not can_manage_meetings(user, body):
        query = query.where(Meeting.outcomes_published_at.is_not(None),
                            Meeting.published_at.is_not(None))
    return page_json("uitkomsten", query, params, lambda o: can_view_outcome(user, o),
                     outcome_json)
