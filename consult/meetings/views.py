"""Mijn overleggen: the start page of a logged-in member."""

from flask import Blueprint
from flask_login import login_required
from sqlalchemy import select

from consult.extensions import db
from consult.meetings.models import Body
from consult.pages import render_page

bp = Blueprint("meetings", __name__)


@bp.get("/")
@login_required
def dashboard():
    bodies = db.session.scalars(select(Body).order_by(Body.name)).all()
    return render_page("meetings/dashboard.html", bodies=bodies)
