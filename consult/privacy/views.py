"""Mijn gegevens (a member's data: page and JSON), anonymising a former member (admins),
and the privacy and accessibility statements (public)."""

import json

from flask import Blueprint, current_app, flash, make_response, redirect, url_for
from flask_login import current_user, login_required

from consult.pages import render_page
from consult.permissions import can_download_own_data, member_for, require
from consult.privacy import export
from consult.privacy.accessibility import CHECKED_PAGES, STANDARD, STATEMENT_DATE
from consult.privacy.anonymise import AnonymiseError, anonymise_member

bp = Blueprint("privacy", __name__)


@bp.get("/account/mijn-gegevens")
@login_required
@require(can_download_own_data)
def my_data():
    """Everything stored about the logged-in member, readable; only ever their own."""
    return render_page("privacy/my_data.html", data=export.member_data(current_user),
                       sections=export.SECTIONS)


@bp.get("/account/mijn-gegevens.json")
@login_required
@require(can_download_own_data)
def my_data_json():
    body = json.dumps(export.member_data(current_user), ensure_ascii=False, indent=2)
    response = make_response(body)
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="mijn-gegevens-consult.json"'
    return response


@bp.post("/beheer/leden/<int:member_id>/anonimiseren")
@login_required
def anonymise(member_id: int):
    member = member_for("anonymise_member", member_id)
    try:
        event = anonymise_member(member, by=current_user)
    except AnonymiseError as error:  # someone else was just first
        flash(str(error), "error")
    else:
        note = event.note[:1].upper() + event.note[1:] + "." if event.note else "Er was geen inbreng."
        flash(f"Het oud-lid is geanonimiseerd en heet nu '{member.name}'. {note}", "success")
    return redirect(url_for("members.edit", member_id=member.id), 303)


@bp.get("/privacy")
def statement():
    return render_page("privacy/statement.html",
                       retention_days=current_app.config["RETENTION_DAYS_AFTER_DEACTIVATION"],
                       link_minutes=current_app.config["LOGIN_LINK_MINUTES"],
                       contact=current_app.config["CONTACT_EMAIL"])


@bp.get("/toegankelijkheid")
def accessibility():
    return render_page("privacy/accessibility.html", pages=CHECKED_PAGES,
                       date=STATEMENT_DATE, standard=STANDARD,
                       contact=current_app.config["CONTACT_EMAIL"])
