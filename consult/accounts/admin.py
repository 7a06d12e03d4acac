"""Member management for admins (beheerders)."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from consult.accounts import members
from consult.accounts.forms import MemberForm, MemberImportConfirmForm, MemberImportForm
from consult.accounts.models import Organisation, Region, Role, User
from consult.database import contains_pattern
from consult.extensions import db
from consult.pages import render_page
from consult.permissions import can_change_member, can_manage_members, require

bp = Blueprint("members", __name__, url_prefix="/beheer/leden")

PAGE_SIZE = 50


@bp.before_request
@login_required
@require(can_manage_members)
def guard():
    """Every route here is for admins only."""


def all_regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.name)))


@bp.get("")
def index():
    args = request.args
    query = select(User).options(
        selectinload(User.region), selectinload(User.chairs_region)
    )
    if q := args.get("q", "").strip()[:100]:
        pattern = contains_pattern(q)
        query = query.where(or_(func.lower(User.name).like(pattern, escape="\\"),
                                User.email.like(pattern, escape="\\"),
                                func.lower(User.municipality).like(pattern, escape="\\")))
    if (organisation := args.get("organisation")) in {o.value for o in Organisation}:
        query = query.where(User.organisation == Organisation(organisation))
    if (role := args.get("role")) in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    elif role == "chair":
        query = query.where(User.chairs_region_id.is_not(None))
    region_id = args.get("region", type=int)
    if region_id:
        query = query.where(User.region_id == region_id)
    status = args.get("status", "active")
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "inactive":
        query = query.where(User.active.is_(False))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, args.get("page", 1, type=int))
    users = db.session.scalars(
        query.order_by(User.name).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_page(
        "admin/members.html",
        block="results",
        users=users,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        regions=all_regions(),
        organisations=list(Organisation),
        filters={"q": q, "organisation": organisation or "", "role": role or "",
                 "region": region_id or 0, "status": status},
    )


def member_form(user: User | None = None) -> MemberForm:
    form = MemberForm(obj=user)
    if user is not None and request.method == "GET":
        form.organisation.data = user.organisation.value
        form.role.data = user.role.value
        form.region_id.data = user.region_id or 0
        form.chairs_region_id.data = user.chairs_region_id or 0
    form.set_region_choices(all_regions())
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
    form = member_form()
    if form.validate_on_submit():
        if members.email_taken(form.email.data):
            form.email.errors.append("Er is al een lid met dit e-mailadres.")
        else:
            user = members.invite_member(invited_by=current_user, **member_fields(form))
            db.session.commit()
            flash(f"{user.name} is uitgenodigd.", "success")
            return redirect(url_for("members.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("admin/member_form.html", status=status, form=form, member=None)


def get_member(member_id: int) -> User:
    return db.get_or_404(User, member_id)


@bp.route("/<int:member_id>", methods=["GET", "POST"])
def edit(member_id: int):
    member = get_member(member_id)
    form = member_form(member)
    if form.validate_on_submit():
        fields = member_fields(form)
        if members.email_taken(fields["email"], except_user=member):
            form.email.errors.append("Er is al een lid met dit e-mailadres.")
        elif member.id == current_user.id and fields["role"] != Role.ADMIN:
            form.role.errors.append("U kunt uw eigen beheerdersrol niet weghalen.")
        else:
            for key, value in fields.items():
                setattr(member, key, value)
            db.session.commit()
            flash(f"De gegevens van {member.name} zijn opgeslagen.", "success")
            return redirect(url_for("members.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("admin/member_form.html", status=status, form=form, member=member)


@bp.post("/<int:member_id>/deactiveren")
def deactivate(member_id: int):
    member = get_member(member_id)
    if not can_change_member(current_user, member):
        abort(403)
    members.deactivate_member(member)
    db.session.commit()
    flash(f"{member.name} is gedeactiveerd. Eerdere inbreng blijft bewaard.", "success")
    return redirect(url_for("members.edit", member_id=member.id), 303)


@bp.post("/<int:member_id>/heractiveren")
def reactivate(member_id: int):
    member = get_member(member_id)
    members.reactivate_member(member)
    db.session.commit()
    flash(f"{member.name} is weer actief.", "success")
    return redirect(url_for("members.edit", member_id=member.id), 303)


@bp.route("/import", methods=["GET", "POST"])
def import_upload():
    """Step 1: upload; the answer is a preview of what would change."""
    form = MemberImportForm()
    if form.validate_on_submit():
        raw = form.file.data.read(2_000_000)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # Excel on Windows
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
    db.session.commit()
    return render_page("admin/member_import.html", form=MemberImportForm(formdata=None),
                       report=report, applied=True)
