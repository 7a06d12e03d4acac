"""Giving input: one endpoint per action. Every form works with a plain POST and a
303 redirect; with htmx the same endpoint answers with the fragment it re-renders."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from consult.accounts.kept_forms import resumes
from consult.accounts.models import Organisation, User
from consult.comments import participation as participation_services
from consult.comments import services
from consult.comments.forms import NotificationForm, OnBehalfForm, comment_form
from consult.comments.models import CommentKind, OnBehalf
from consult.database import utcnow, writes_on_get
from consult.extensions import db
from consult.meetings.pages import inline_context, item_context
from consult.pages import render_page, wants_fragment
from consult.permissions import (
    can_change_comment,
    can_nudge,
    comment_for,
    item_for,
    meeting_for,
)
from consult.statements import desk

bp = Blueprint("comments", __name__)

DEADLINE_PASSED = "De deadline is verstreken: deze inbreng kan niet meer worden gewijzigd."


def answer(item, *, status=200, inline=False, **context):
    """The fragment for htmx (item page section or the meeting page's item block), the
    whole item page otherwise."""
    if inline and wants_fragment():
        return render_page("meetings/meeting.html", block="item_response", status=status,
                           **inline_context(item, **context))
    return render_page("meetings/item.html", block="responses", status=status,
                       **item_context(item, **context))


def back_to(item, inline: bool, saved: bool = False):
    """Without htmx: back to where the form was. `opgeslagen` tells the page to mark the
    browser's draft of this text as saved."""
    extra = {"opgeslagen": item.id} if saved else {}
    if inline:
        return redirect(url_for("meetings.meeting", meeting_id=item.meeting_id, **extra)
                        + f"#punt-{item.id}", 303)
    return redirect(url_for("meetings.item", item_id=item.id, **extra) + "#inbreng", 303)


@bp.post("/agendapunten/<int:item_id>/inbreng")
@login_required
def give(item_id: int):
    item = item_for("asked_for_input", item_id)
    form = comment_form(item, submitted=True)
    inline = form.context.data == "meeting"
    try:
        services.give_input(current_user, item, kind=form.kind_value, text=form.text.data,
                            on_behalf=form.on_behalf_value)
    except services.DeadlinePassed as error:
        return answer(item, status=409, inline=inline, form=form, error=str(error), late=True)
    except (services.InputError, ValueError) as error:
        message = str(error) if isinstance(error, services.InputError) else \
            "Kies een soort en namens wie u inbreng geeft."
        return answer(item, status=422, inline=inline, form=form, error=message)
    if wants_fragment():
        return answer(item, inline=inline, saved=True)
    return back_to(item, inline, saved=True)


@bp.post("/agendapunten/<int:item_id>/late-inbreng")
@login_required
def late(item_id: int):
    item = item_for("asked_for_input", item_id)
    form = comment_form(item, submitted=True)
    inline = form.context.data == "meeting"
    try:
        services.send_late_input(current_user, item, kind=form.kind_value, text=form.text.data,
                                 on_behalf=form.on_behalf_value)
    except (services.InputError, ValueError) as error:
        message = str(error) if isinstance(error, services.InputError) else \
            "Kies een soort en namens wie u inbreng geeft."
        return answer(item, status=422, inline=inline, form=form, error=message, late=True)
    if wants_fragment():
        return answer(item, inline=inline, saved=True)
    return back_to(item, inline, saved=True)


KEPT = "Uw tekst is bewaard. Er is nog niets opgeslagen: controleer hem en verstuur hem."


@resumes("comments.give")
@resumes("comments.late")
def resume_input(view_args: dict, formdata):
    """A kept input (the session or the form expired): the item's own input form with
    the text in it, or the late form once the deadline passed."""
    item = item_for("asked_for_input", view_args["item_id"])
    form = comment_form(item, formdata=formdata)
    flash(KEPT, "info")
    late = utcnow() >= item.meeting.input_deadline
    return render_page("meetings/item.html", **item_context(item, form=form, late=late))


@resumes("comments.edit")
def resume_edit(view_args: dict, formdata):
    comment = comment_for("own_comment", view_args["comment_id"])
    form = comment_form(comment.item, formdata=formdata)
    flash(KEPT, "info")
    if not can_change_comment(current_user, comment):
        return render_page("meetings/item.html", **item_context(
            comment.item, form=form, late=True, error=DEADLINE_PASSED))
    return edit_page(comment, form)


def edit_page(comment, form, status=200, error=None):
    return render_page("comments/edit.html", status=status, form=form, comment=comment,
                       item=comment.item, error=error, title="Inbreng wijzigen")


@bp.route("/inbreng/<int:comment_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(comment_id: int):
    """The author, or the delegate who entered it on the author's behalf ("namens"):
    others get 403; after the deadline 409."""
    comment = comment_for("own_comment", comment_id)
    item = comment.item
    if not can_change_comment(current_user, comment):
        return answer(item, status=409, error=DEADLINE_PASSED)
    if request.method == "GET":
        return edit_page(comment, comment_form(item, kind=comment.kind.value, text=comment.text,
                                               on_behalf=comment.on_behalf.value))
    form = comment_form(item, submitted=True)
    try:
        services.edit_input(current_user, comment, kind=form.kind_value, text=form.text.data,
                            on_behalf=form.on_behalf_value)
    except services.DeadlinePassed as error:
        return answer(item, status=409, form=form, error=str(error), late=True)
    except (services.InputError, ValueError) as error:
        return edit_page(comment, form, status=422, error=str(error))
    if wants_fragment():
        return answer(item, saved=True)
    flash("Uw inbreng is gewijzigd.", "success")
    return back_to(item, inline=False)


@bp.post("/inbreng/<int:comment_id>/intrekken")
@login_required
def withdraw(comment_id: int):
    comment = comment_for("own_comment", comment_id)
    item = comment.item
    try:
        services.withdraw_input(current_user, comment)
    except services.InputError as error:
        return answer(item, status=409, error=str(error))
    if wants_fragment():
        return answer(item)
    flash("Uw inbreng is ingetrokken.", "success")
    return back_to(item, inline=False)


def toggle_no_input(item=None, meeting=None, undo=False):
    meeting = meeting or item.meeting
    inline = request.form.get("context") == "meeting"
    try:
        if undo:
            services.undo_no_input(current_user, meeting, item)
        else:
            services.mark_no_input(current_user, meeting, item)
    except services.InputError as error:
        if item is not None:
            return answer(item, status=409, inline=inline, error=str(error))
        flash(str(error), "error")
        return redirect(url_for("meetings.meeting", meeting_id=meeting.id), 303)
    if item is not None:
        if wants_fragment():
            return answer(item, inline=inline)
        return back_to(item, inline)
    flash("Genoteerd: u heeft geen inbreng voor deze vergadering. U krijgt er geen "
          "herinneringen meer over." if not undo else "Uw “geen inbreng” is ongedaan gemaakt.",
          "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id), 303)


@bp.post("/agendapunten/<int:item_id>/geen-inbreng")
@login_required
def no_input_item(item_id: int):
    return toggle_no_input(item=item_for("asked_for_input", item_id))


@bp.post("/agendapunten/<int:item_id>/geen-inbreng/ongedaan")
@login_required
def undo_no_input_item(item_id: int):
    return toggle_no_input(item=item_for("asked_for_input", item_id), undo=True)


@bp.post("/vergaderingen/<int:meeting_id>/geen-inbreng")
@login_required
def no_input_meeting(meeting_id: int):
    return toggle_no_input(meeting=meeting_for("asked_for_meeting", meeting_id))


@bp.post("/vergaderingen/<int:meeting_id>/geen-inbreng/ongedaan")
@login_required
def undo_no_input_meeting(meeting_id: int):
    return toggle_no_input(meeting=meeting_for("asked_for_meeting", meeting_id), undo=True)


@bp.route("/agendapunten/<int:item_id>/namens", methods=["GET", "POST"])
@login_required
def on_behalf(item_id: int):
    """A delegate records input received by email or phone."""
    item = item_for("enter_on_behalf", item_id)
    form = OnBehalfForm()
    form.author_id.choices = services.on_behalf_authors(item.meeting.body)
    error = None
    if form.validate_on_submit():
        author = db.session.get(User, form.author_id.data)
        try:
            services.enter_on_behalf(
                current_user, item, author=author, kind=CommentKind(form.kind.data),
                text=form.text.data, on_behalf=OnBehalf(form.on_behalf.data),
                organisation=Organisation(form.organisation.data),
                received_via=form.received_via.data)
        except services.InputError as problem:
            error = str(problem)
        else:
            flash(f"De inbreng van {author.name} is vastgelegd.", "success")
            return back_to(item, inline=False)
    status = 422 if form.is_submitted() else 200
    return render_page("comments/on_behalf.html", status=status, form=form, item=item,
                       error=error, title=f"Inbreng vastleggen namens een ander: {item.label}")


@bp.get("/vergaderingen/<int:meeting_id>/deelname")
@login_required
@writes_on_get
def participation(meeting_id: int):
    meeting = meeting_for("view_participation", meeting_id)
    region = participation_services.region_for(current_user, meeting)
    if region is not None:  # a chair's desk counts new input since this page
        desk.record_visit(current_user, meeting)
    return render_page("comments/participation.html", meeting=meeting, region=region,
                       overview=participation_services.participation(meeting, region=region),
                       nudged=participation_services.nudged_member_ids(meeting),
                       open=participation_services.nudges_open(meeting),
                       labels=participation_services.RESPONSE_LABELS,
                       title=f"Deelname: {meeting.body.name}")


@bp.post("/vergaderingen/<int:meeting_id>/herinneren/<int:member_id>")
@login_required
def nudge(meeting_id: int, member_id: int):
    meeting = meeting_for("view_participation", meeting_id)
    member = db.get_or_404(User, member_id)
    if not participation_services.nudges_open(meeting):
        flash("De termijn voor inbreng is gesloten; herinneren heeft geen zin meer.", "error")
    elif not can_nudge(current_user, meeting, member):
        abort(403)
    elif participation_services.nudge(current_user, meeting, member):
        flash(f"{member.name} krijgt een herinnering per e-mail.", "success")
    else:
        flash(f"{member.name} heeft voor deze vergadering al een herinnering gehad.", "info")
    return redirect(url_for("comments.participation", meeting_id=meeting.id), 303)


@bp.post("/account/meldingen")
@login_required
def notifications():
    form = NotificationForm()
    services.set_notify_on_reply(current_user, form.notify_on_reply.data)
    flash("Uw meldingsinstelling is opgeslagen.", "success")
    return redirect(url_for("accounts.account") + "#meldingen", 303)
