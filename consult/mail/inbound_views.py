"""The delegate's inbox of replies by mail that were held: list, one reply, assign it to
a member and an item ("Toewijzen"), or ignore it ("Negeren")."""

from flask import Blueprint, Flask, flash, redirect, url_for
from flask_login import current_user, login_required
from wtforms import SelectField, TextAreaField

from consult.accounts.forms import DutchForm
from consult.accounts.models import User
from consult.comments import inbox
from consult.comments.services import MAX_TEXT, InputError, on_behalf_authors
from consult.extensions import db
from consult.meetings.models import AgendaItem
from consult.pages import render_page
from consult.permissions import can_see_inbox, inbound_for, require

bp = Blueprint("inbox", __name__)


class AssignForm(DutchForm):
    author_id = SelectField("Van wie komt de inbreng", coerce=int)
    item_id = SelectField("Agendapunt", coerce=int)
    text = TextAreaField("Inbreng", render_kw={"data-maxlength": MAX_TEXT, "rows": 8})


def assign_form(held: inbox.HeldReply, submitted: bool = False) -> AssignForm:
    form = AssignForm() if submitted else AssignForm(
        formdata=None, text=held.text, author_id=held.member.id if held.member else None)
    if held.meeting is not None:
        form.author_id.choices = on_behalf_authors(held.meeting.body)
        form.item_id.choices = [(item.id, f"{item.label}. {item.title}")
                                for item in inbox.assignable_items(held.meeting)]
    return form


@bp.get("/inbox")
@login_required
@require(can_see_inbox)
def index():
    return render_page("mail/inbox.html", replies=inbox.held_replies(current_user),
                       title="Inbox: antwoorden per e-mail")


def message_page(held: inbox.HeldReply, form: AssignForm, error: str | None = None,
                 status: int = 200):
    return render_page("mail/inbox_message.html", held=held, form=form, error=error,
                       status=status, title=f"Antwoord van {held.message.sender or 'onbekend'}")


@bp.get("/inbox/<int:message_id>")
@login_required
def message(message_id: int):
    held = inbox.held_reply(inbound_for("handle_reply", message_id))
    return message_page(held, assign_form(held))


@bp.post("/inbox/<int:message_id>/toewijzen")
@login_required
def assign(message_id: int):
    held = inbox.held_reply(inbound_for("handle_reply", message_id))
    form = assign_form(held, submitted=True)
    if held.meeting is None:
        return message_page(held, form, "Dit antwoord hoort bij geen vergadering; u kunt "
                                        "het alleen negeren.", 422)
    if not form.validate_on_submit():
        return message_page(held, form, status=422)
    try:
        comment = inbox.assign(current_user, held.message,
                               item=db.session.get(AgendaItem, form.item_id.data),
                               author=db.session.get(User, form.author_id.data),
                               text=form.text.data)
    except inbox.AlreadyHandled as problem:
        return message_page(held, form, str(problem), 409)
    except InputError as problem:
        return message_page(held, form, str(problem), 422)
    flash(f"De inbreng van {comment.author.name} staat bij {comment.item.label}.", "success")
    return redirect(url_for("inbox.index"), 303)


@bp.post("/inbox/<int:message_id>/negeren")
@login_required
def ignore(message_id: int):
    message = inbound_for("handle_reply", message_id)
    try:
        inbox.ignore(current_user, message)
    except inbox.AlreadyHandled as problem:
        flash(str(problem), "error")
        return redirect(url_for("inbox.index"), 303)
    flash("Het bericht is genegeerd.", "success")
    return redirect(url_for("inbox.index"), 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
