"""A body's published statements and outcomes as an Atom feed (RFC 4287), public, for the
associations' websites: one entry per finished meeting (`is_in_public_feed`), with per
agenda item its final statement and its outcome."""

from html import escape
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import AgendaItem, Body, Meeting
from consult.pages import external_url, format_date
from consult.permissions import is_in_public_feed
from consult.statements.models import Outcome, Statement, StatementStatus
from consult.text import render_markdown

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 20


def _tag(path: str) -> str:
    """A stable tag URI (RFC 4151) as the id: it survives a change of scheme or port."""
    host = urlsplit(external_url("api_feed.body_feed", body_id=1)).hostname or "localhost"
    return f"tag:{host},2026:consult/{path}"


def _sub(parent, name: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _items_html(body: Body, meeting: Meeting, statements: dict, outcomes: dict) -> str:
    parts = []
    for item in meeting.items:
        statement, outcome = statements.get(item.id), outcomes.get(item.id)
        if statement is None and outcome is None:
            continue
        parts.append(f"<h2>{escape(item.label)}. {escape(item.title)}</h2>")
        if statement is not None:
            parts.append(f"<h3>{escape(body.statement_label)}</h3>{render_markdown(statement.text)}")
        if outcome is not None:
            parts.append(f"<h3>{escape(body.outcome_label)}</h3>{render_markdown(outcome.text)}")
    return "".join(parts)


def _published(body: Body) -> list[Meeting]:
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.body_id == body.id, Meeting.published_at.is_not(None),
                              Meeting.cancelled_at.is_(None), Meeting.outcomes_published_at.is_not(None))
        .options(selectinload(Meeting.items)).order_by(Meeting.outcomes_published_at.desc())
        .limit(ENTRIES))
    return [meeting for meeting in meetings if is_in_public_feed(meeting)]


def _texts(meetings: list[Meeting]) -> tuple[dict, dict]:
    ids = [meeting.id for meeting in meetings]
    statements = db.session.scalars(
        select(Statement).join(AgendaItem, AgendaItem.id == Statement.item_id)
        .where(AgendaItem.meeting_id.in_(ids), Statement.status == StatementStatus.FINAL,
               Statement.current_revision_id.is_not(None))
        .options(selectinload(Statement.current_revision)))
    outcomes = db.session.scalars(
        select(Outcome).join(AgendaItem, AgendaItem.id == Outcome.item_id)
        .where(AgendaItem.meeting_id.in_(ids)))
    return {s.item_id: s for s in statements}, {o.item_id: o for o in outcomes}


def body_feed(body: Body) -> bytes:
    meetings = _published(body)
    statements, outcomes = _texts(meetings)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "nl"})
    _sub(feed, "id", _tag(f"overleggen/{body.id}"))
    _sub(feed, "title", f"{body.name}: {body.statement_label} en {body.outcome_label}")
    _sub(feed, "updated", (meetings[0].outcomes_published_at if meetings else utcnow()).isoformat())
    _sub(feed, "link", rel="self", href=external_url("api_feed.body_feed", body_id=body.id))
    _sub(_sub(feed, "author"), "name", "Consult")
    for meeting in meetings:
        entry = _sub(feed, "entry")
        _sub(entry, "id", _tag(f"vergaderingen/{meeting.id}"))
        _sub(entry, "title", f"{body.short_name or body.name} van {format_date(meeting.starts_at)}")
        _sub(entry, "updated", meeting.outcomes_published_at.isoformat())
        _sub(entry, "published", meeting.outcomes_published_at.isoformat())
        _sub(entry, "link", rel="alternate", type="text/html",
             href=external_url("meetings.meeting", meeting_id=meeting.id))
        _sub(entry, "content", _items_html(body, meeting, statements, outcomes), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
