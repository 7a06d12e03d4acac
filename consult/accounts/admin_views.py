"""Member management for admins (beheerders)."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from consult.accounts import members
from consult.accounts.forms import MemberForm, MemberImportConfirmForm, MemberImportForm
from consult.accounts.models import Organisation, Role, User
from consult.database import page_number, paginate
from consult.extensions import db
from consult.mail.inbound import bounce_counts
from consult.pages import render_page
from consult.permissions import can_manage_members, member_for, require

bp = Blueprint("members", __name__, url_prefix="/beheer/leden")

PAGE_SIZE = 50


@bp.before_request
@login_required
@require(can_manage_members)
def guard():
    """Every route here is for admins only."""


@bp.get("")
def index():
    filters = members.MemberFilters.from_args(request.args)
    users, page, total, pages = paginate(db.session, members.member_query(filters),
                                         page_number(request.args.get("page")), PAGE_SIZE)
    return render_page("admin/members.html", block="results", users=users, total=total,
                       page=page, pages=pages, regions=members.all_regions(),
                       organisations=list(Organisation), filters=filters,
                       bounces=bounce_counts([user.email for user in users]))


def member_form(user: User | None = None) -> MemberForm:
    form = MemberForm(obj=user)
    if user is not None and request.method == "GET":
        form.organisation.data = user.organisation.value
        form.role.data = user.role.value
        form.region_id.data = user.region_id or 0
        form.chairs_region_id.data = user.chairs_region_id or 0
    form.set_region_choices(members.all_regions())
    return form


def member_fields(form: MemberForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "email": form.email.data,
        "organisation": Organisation(form.organisation.data),
        "municipality": (form.municipality.data or "").strip(),
        "role": Role(form.role.data),
        "region_id": form.region_id.data or None,
        "chairs_region_id": form.chairs_region_id.data or None,
    }


@bp.route("/nieuw", methods=["GET", "POST"])
def invite():
    return member_page(None)


@bp.route("/<int:member_id>", methods=["GET", "POST"])
def edit(member_id: int):
    return member_page(member_for("manage_members", member_id))


def member_page(member: User | None):
    """The member form: a new member is invited, an existing one changed."""
    form = member_form(member)
    if form.validate_on_submit():
        try:
            if member is None:
                user = members.invite_member(invited_by=current_user, **member_fields(form))
                message = f"{user.name} is uitgenodigd."
            else:
                members.update_member(member, by=current_user, **member_fields(form))
                message = f"De gegevens van {member.name} zijn opgeslagen."
        except members.MemberRuleError as error:
            form[error.field].errors.append(str(error))
        else:
            flash(message, "success")
            return redirect(url_for("members.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("admin/member_form.html", status=status, form=form, member=member)


@bp.post("/<int:member_id>/deactiveren")
def deactivate(member_id: int):
    member = member_for("change_member", member_id)
    members.deactivate_member(member)
    flash(f"{member.name} is gedeactiveerd. Eerdere inbreng blijft bewaard.", "success")
    return redirect(url_for("members.edit", member_id=member.id), 303)


@bp.post("/<int:member_id>/heractiveren")
def reactivate(member_id: int):
    member = member_for("reactivate_member", member_id)
    members.reactivate_member(member)
    flash(f"{member.name} is weer actief.", "success")
    return redirect(url_for("members.edit", member_id=member.id), 303)


@bp.route("/import", methods=["GET", "POST"])
def import_upload():
    """Step 1: upload; the answer is a preview of what would change."""
    form = MemberImportForm()
    if form.validate_on_submit():
        text = members.decode_csv(form.file.data.read(2_000_000))
        try:
            report = members.import_members(text, apply=False)
        except members.MemberFileError as error:
            form.file.errors.append(str(error))
        else:
            confirm = MemberImportConfirmForm(csv_text=text, formdata=None)
            return render_page("admin/member_import.html", form=form, confirm=confirm,
                               report=report, applied=False)
    status = 422 if form.is_submitted() else 200
    return render_page("admin/member_import.html", status=status, form=form, report=None)


@bp.post("/import/bevestigen")
def import_confirm():
    """Step 2: apply the previewed file (checked again: it may have changed since)."""
    confirm = MemberImportConfirmForm()
    if not confirm.validate():
        return redirect(url_for("members.import_upload"), 303)
    try:
        report = members.import_members(confirm.csv_text.data, apply=True)
    except members.MemberFileError as error:
        flash(str(error), "error")
        return redirect(url_for("members.import_upload"), 303)
    return render_page("admin/member_import.html", form=MemberImportForm(formdata=None),
                       report=report, applied=True)
