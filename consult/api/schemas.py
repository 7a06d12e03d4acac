"""What the API answers and accepts, as marshmallow schemas: the views dump with them and
the OpenAPI document (spec.py) is made from them, so the two cannot drift apart.

Names are Dutch (ADR /core/interface-language), fields lowerCamelCase; moments are
date-times with a time zone (UTC, ISO 8601)."""

from functools import cache

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from consult.meetings.models import Purpose
from consult.meetings.status import MeetingStatus
from consult.statements.models import StatementStatus

MAX_PAGE_SIZE = 100


class Link(Schema):
    href = fields.String(required=True, metadata={"format": "uri"})


@cache
def links(*names: str, nullable: tuple[str, ...] = ()) -> type[Schema]:
    """A `_links` schema with these relations besides `self` (HAL style)."""
    extra = {name: fields.Nested(Link, required=True, allow_none=name in nullable)
             for name in names}
    return Schema.from_dict({"self": fields.Nested(Link, required=True), **extra},
                            name="Links" + "".join(n[:1].upper() + n[1:] for n in names))


class Problem(Schema):
    """RFC 9457 problem details (ADR /core/error-handling/problem-details)."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"example": "Niet gevonden"})
    status = fields.Integer(required=True, metadata={"example": 404})
    detail = fields.String(required=True)
    instance = fields.String(required=True, metadata={"example": "/api/v1/vergaderingen/7"})
    invalidParams = fields.List(fields.Nested(Schema.from_dict(
        {"name": fields.String(required=True), "reason": fields.String(required=True)},
        name="InvalidParam")))


class PageLinks(Schema):
    self = fields.Nested(Link, required=True)
    first = fields.Nested(Link, required=True)
    last = fields.Nested(Link, required=True)
    prev = fields.Nested(Link, allow_none=True, required=True)
    next = fields.Nested(Link, allow_none=True, required=True)


class Overleg(Schema):
    id = fields.Integer(required=True)
    naam = fields.String(required=True, attribute="name")
    korteNaam = fields.String(required=True, attribute="short_name")
    standpuntLabel = fields.String(required=True, attribute="statement_label",
                                   metadata={"example": "Inbreng VIAG/IMG+CIO"})
    uitkomstLabel = fields.String(required=True, attribute="outcome_label",
                                  metadata={"example": "Bespreking TF"})
    _links = fields.Nested(links("vergaderingen", "standpunten", "uitkomsten", "feed"),
                           required=True)


class Vergadering(Schema):
    id = fields.Integer(required=True)
    overlegId = fields.Integer(required=True, attribute="body_id")
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in MeetingStatus]))
    begint = fields.AwareDateTime(required=True, attribute="starts_at")
    eindigt = fields.AwareDateTime(required=True, attribute="ends_at")
    inbrengTot = fields.AwareDateTime(required=True, attribute="input_deadline",
                                      metadata={"description": "De reactietermijn: tot dit moment"})
    locatie = fields.String(required=True, attribute="location")
    online = fields.Boolean(required=True)
    toelichting = fields.String(required=True, attribute="description")
    gepubliceerdOp = fields.AwareDateTime(required=True, allow_none=True, attribute="published_at")
    geannuleerdOp = fields.AwareDateTime(required=True, allow_none=True, attribute="cancelled_at")
    uitkomstenGepubliceerdOp = fields.AwareDateTime(required=True, allow_none=True,
                                                    attribute="outcomes_published_at")
    _links = fields.Nested(links("overleg", "agendapunten", "pagina"), required=True)


class Agendapunt(Schema):
    id = fields.Integer(required=True)
    vergaderingId = fields.Integer(required=True, attribute="meeting_id")
    nummer = fields.String(required=True, attribute="label", metadata={"example": "3A"})
    titel = fields.String(required=True, attribute="title")
    toelichting = fields.String(required=True, attribute="explanation")
    presentator = fields.String(required=True, attribute="presenter")
    doel = fields.String(required=True, allow_none=True, attribute="purpose",
                         validate=validate.OneOf([p.value for p in Purpose]))
    vraagtInbreng = fields.Boolean(required=True, attribute="asks_input")
    vervallenOp = fields.AwareDateTime(required=True, allow_none=True, attribute="withdrawn_at",
                                       metadata={"description": "Van de agenda gehaald"})
    _links = fields.Nested(links("vergadering", "bijlagen", "pagina"), required=True)


class Bijlage(Schema):
    id = fields.Integer(required=True)
    agendapuntId = fields.Integer(required=True, attribute="item_id")
    label = fields.String(required=True, metadata={"example": "4a"})
    titel = fields.String(required=True, attribute="title")
    vertrouwelijk = fields.Boolean(required=True, attribute="confidential")
    bestandsnaam = fields.String(required=True, attribute="filename")
    mediaType = fields.String(required=True, attribute="content_type")
    grootte = fields.Integer(required=True, attribute="size", metadata={"description": "In bytes"})
    sha256 = fields.String(required=True)
    _links = fields.Nested(links("agendapunt", "download", nullable=("download",)), required=True,
                           metadata={"description": "download is null zolang het bestand ontbreekt"})


class Standpunt(Schema):
    id = fields.Integer(required=True)
    agendapuntId = fields.Integer(required=True, attribute="item_id")
    vergaderingId = fields.Integer(required=True, attribute="item.meeting_id")
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in StatementStatus]))
    tekst = fields.String(required=True, attribute="text", metadata={"description": "Markdown"})
    bijgewerktOp = fields.AwareDateTime(required=True, attribute="updated_at")
    _links = fields.Nested(links("agendapunt"), required=True)


class Uitkomst(Schema):
    id = fields.Integer(required=True)
    agendapuntId = fields.Integer(required=True, attribute="item_id")
    vergaderingId = fields.Integer(required=True, attribute="item.meeting_id")
    tekst = fields.String(required=True, attribute="text", metadata={"description": "Markdown"})
    vastgelegdOp = fields.AwareDateTime(required=True, attribute="recorded_at")
    gepubliceerd = fields.Boolean(required=True, metadata={
        "description": "false: nog niet gepubliceerd (alleen zichtbaar voor gedelegeerden)"})
    _links = fields.Nested(links("agendapunt"), required=True)


def page_of(name: str, item: type[Schema]) -> type[Schema]:
    """A page of a collection: the items under `_embedded`, HAL-style links and counts."""
    embedded = Schema.from_dict({name: fields.List(fields.Nested(item), required=True)},
                                name=f"{item.__name__}Lijst")
    return Schema.from_dict({
        "_embedded": fields.Nested(embedded, required=True),
        "_links": fields.Nested(PageLinks, required=True),
        "page": fields.Integer(required=True),
        "pageSize": fields.Integer(required=True),
        "totalItems": fields.Integer(required=True),
        "totalPages": fields.Integer(required=True),
    }, name=f"{item.__name__}Pagina")


# --- query parameters -------------------------------------------------------------------


NOT_A_NUMBER = {"invalid": "Geen geheel getal."}
NOT_A_DATE = {"invalid": "Geen geldige datum; gebruik JJJJ-MM-DD."}


def between(low: int, high: int) -> validate.Range:
    return validate.Range(min=low, max=high, error=f"Kies een getal van {low} tot en met {high}.")


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=between(1, 100_000), error_messages=NOT_A_NUMBER,
                          metadata={"description": "Het paginanummer, vanaf 1"})
    pageSize = fields.Integer(load_default=20, validate=between(1, MAX_PAGE_SIZE),
                              error_messages=NOT_A_NUMBER,
                              metadata={"description": f"Aantal per pagina, ten hoogste {MAX_PAGE_SIZE}"})


class PeriodQuery(PageQuery):
    vanaf = fields.Date(error_messages=NOT_A_DATE, metadata={
        "description": "Vergaderingen die op of na deze dag beginnen (Europe/Amsterdam)"})
    tot = fields.Date(error_messages=NOT_A_DATE, metadata={
        "description": "Vergaderingen die vóór deze dag beginnen (niet tot en met)"})

    @validates_schema
    def _ordered(self, data, **_kwargs):
        if data.get("vanaf") and data.get("tot") and data["tot"] <= data["vanaf"]:
            raise ValidationError("tot moet na vanaf liggen.", field_name="tot")


class MeetingFilterQuery(PeriodQuery):
    vergadering = fields.Integer(validate=between(1, 2**31 - 1), error_messages=NOT_A_NUMBER,
                                 metadata={"description": "Alleen deze vergadering (id)"})

