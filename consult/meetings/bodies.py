"""Bodies (gremia) are managed by admins: labels, secretariat, deadline rule,
constituency, delegates, visibility of input."""

from datetime import time

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.accounts.models import Organisation, Region, Role, User
from consult.extensions import db
from consult.meetings.forms import BodyForm
from consult.meetings.models import Body, Frequency
from consult.pages import render_page
from consult.permissions import can_manage_bodies, require

bp = Blueprint("bodies", __name__, url_prefix="/beheer/overleggen")


@bp.before_request
@login_required
@require(can_manage_bodies)
def guard():
    """Every route here is for admins only."""


@bp.get("")
def index():
    bodies = db.session.scalars(
        select(Body).options(selectinload(Body.delegates), selectinload(Body.organisation_rows),
                             selectinload(Body.regions)).order_by(Body.name)).all()
    return render_page("bodies/index.html", bodies=bodies, title="Overleggen")


def body_form(body: Body | None) -> BodyForm:
    form = BodyForm(obj=body)
    regions = db.session.scalars(select(Region).order_by(Region.name)).all()
    candidates = db.session.scalars(
        select(User).where(User.active.is_(True), User.role.in_([Role.DELEGATE, Role.ADMIN]))
        .order_by(User.name)).all()
    form.regions.choices = [(region.id, region.name) for region in regions]
    form.delegates.choices = [(user.id, f"{user.name} ({user.municipality or user.organisation.value})")
                              for user in candidates]
    if request.method == "GET":
        if body is None:
            form.statement_label.data = "Inbreng VIAG/IMG+CIO"
            form.outcome_label.data = "Bespreking TF"
            form.deadline_working_days.data = 3
            form.deadline_time.data = time(17, 0)
            form.members_see_each_other.data = True
            form.organisations.data = [o.value for o in Organisation]
        else:
            form.frequency.data = body.frequency.value
            form.organisations.data = [o.value for o in body.organisations]
            form.regions.data = [region.id for region in body.regions]
            form.delegates.data = [user.id for user in body.delegates]
    return form


def save_body(body: Body, form: BodyForm) -> None:
    body.name = form.name.data.strip()
    body.short_name = form.short_name.data.strip()
    body.frequency = Frequency(form.frequency.data)
    body.statement_label = form.statement_label.data.strip()
    body.outcome_label = form.outcome_label.data.strip()
    body.secretariat_email = (form.secretariat_email.data or "").strip().lower()
    body.deadline_working_days = form.deadline_working_days.data
    body.deadline_time = form.deadline_time.data
    body.members_see_each_other = form.members_see_each_other.data
    body.organisations = [Organisation(value) for value in form.organisations.data]
    body.regions = list(db.session.scalars(select(Region).where(Region.id.in_(form.regions.data))))
    body.delegates = list(db.session.scalars(select(User).where(User.id.in_(form.delegates.data))))


def name_taken(name: str, body: Body | None) -> bool:
    query = select(Body.id).where(Body.name == name.strip())
    if body is not None:
        query = query.where(Body.id != body.id)
    return db.session.scalar(query) is not None


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    return edit_or_create(None)


@bp.route("/<int:body_id>", methods=["GET", "POST"])
def edit(body_id: int):
    return edit_or_create(db.get_or_404(Body, body_id))


def edit_or_create(body: Body | None):
    form = body_form(body)
    if form.validate_on_submit():
        if name_taken(form.name.data, body):
            form.name.errors.append("Er is al een overleg met deze naam.")
        else:
            if body is None:
                body = Body()
                db.session.add(body)
            save_body(body, form)
            db.session.commit()
            flash(f"{body.name} is opgeslagen.", "success")
            return redirect(url_for("bodies.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("bodies/form.html", status=status, form=form, body=body,
                       title=body.name if body else "Nieuw overleg")
