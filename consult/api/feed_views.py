"""The public Atom feed of a body's published statements and outcomes."""

from flask import Blueprint, make_response

from consult.api import feed
from consult.extensions import db
from consult.meetings.models import Body

bp = Blueprint("api_feed", __name__)


@bp.get("/overleggen/<int:body_id>/feed.atom")
def body_feed(body_id: int):
    # No login: feed readers and websites have only the URL; it holds only what is public.
    response = make_response(feed.body_feed(db.get_or_404(Body, body_id)))
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return response
