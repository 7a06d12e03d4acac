"""The admins' pages for bodies: the list, a new body, changing one."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required

from consult.accounts.members import all_regions
from consult.meetings.bodies import services
from consult.meetings.bodies.forms import BodyForm
from consult.meetings.models import Body
from consult.pages import render_page
from consult.permissions import body_for, can_manage_bodies, require

bp = Blueprint("bodies", __name__, url_prefix="/beheer/overleggen")


@bp.before_request
@login_required
@require(can_manage_bodies)
def guard():
    """Every route here is for admins only."""


@bp.get("")
def index():
    return render_page("bodies/index.html", bodies=services.all_bodies(), title="Overleggen")


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    return edit_or_create(None)


@bp.route("/<int:body_id>", methods=["GET", "POST"])
def edit(body_id: int):
    return edit_or_create(body_for("manage_bodies", body_id))


def edit_or_create(body: Body | None):
    form = BodyForm(obj=body)
    form.set_choices(all_regions(), services.delegate_candidates())
    if request.method == "GET":
        form.fill(body)
    elif form.validate_on_submit():
        try:
            if body is None:
                body = services.create_body(**form.fields())
            else:
                services.update_body(body, **form.fields())
        except services.BodyRuleError as error:
            form[error.field].errors.append(str(error))
        else:
            flash(f"{body.name} is opgeslagen.", "success")
            return redirect(url_for("bodies.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("bodies/form.html", status=status, form=form, body=body,
                       title=body.name if body else "Nieuw overleg")
