"""Reminder rules per body, the per-meeting overview of reminders and messages, the
member's preferences, and the one-click unsubscribe link (RFC 8058)."""

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from consult.accounts.models import User
from consult.extensions import csrf, db
from consult.mail.models import OutboxMessage, OutboxStatus
from consult.mail.services import resend_message
from consult.meetings.models import Body, Meeting
from consult.pages import render_page
from consult.permissions import can_create_meetings, can_manage_reminders
from consult.reminders import services
from consult.reminders.forms import RuleForm
from consult.reminders.models import (
    MODE_LABELS,
    STATUS_LABELS,
    Anchor,
    Audience,
    Condition,
    PreferenceMode,
    ReminderRule,
    ReminderStatus,
)

bp = Blueprint("reminders", __name__)


def managed_body(body_id: int) -> Body:
    body = db.get_or_404(Body, body_id)
    if not can_manage_reminders(current_user, body):
        abort(403)
    return body


def managed_rule(rule_id: int) -> ReminderRule:
    rule = db.get_or_404(ReminderRule, rule_id)
    if not can_manage_reminders(current_user, rule.body):
        abort(403)
    return rule


def managed_meeting(meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not can_manage_reminders(current_user, meeting.body):
        abort(403)
    return meeting


@bp.get("/herinneringen")
@login_required
def index():
    if not can_create_meetings(current_user):
        abort(403)
    bodies = [body for body in db.session.scalars(select(Body).order_by(Body.name))
              if can_manage_reminders(current_user, body)]
    return render_page("reminders/index.html", bodies=bodies, title="Herinneringen")


@bp.get("/overleggen/<int:body_id>/herinneringen")
@login_required
def rules(body_id: int):
    body = managed_body(body_id)
    return render_page("reminders/rules.html", body=body, rules=services.body_rules(body),
                       describe=services.describe_offset,
                       title=f"Herinneringen van {body.name}")


def save_rule(rule: ReminderRule, form: RuleForm) -> None:
    rule.anchor = Anchor(form.anchor.data)
    rule.offset_minutes = form.offset_minutes()
    rule.audience = Audience(form.audience.data)
    rule.condition = Condition(form.condition.data)
    rule.subject = form.subject.data
    rule.message = form.message.data
    rule.active = form.active.data


def rule_page(body: Body, rule: ReminderRule | None):
    form = RuleForm(obj=rule)
    if request.method == "GET":
        if rule is None:
            form.active.data = True
            form.set_offset(-24 * 60)
            form.anchor.data, form.audience.data = "deadline", "non_responders"
        else:
            form.set_offset(rule.offset_minutes)
            form.anchor.data, form.audience.data = rule.anchor.value, rule.audience.value
            form.condition.data = rule.condition.value
    elif form.validate_on_submit():
        if rule is None:
            rule = ReminderRule(body_id=body.id)
            db.session.add(rule)
        save_rule(rule, form)
        db.session.flush()
        services.replan_body(body)
        db.session.commit()
        flash("De herinnering is opgeslagen en voor de komende vergaderingen opnieuw gepland.",
              "success")
        return redirect(url_for("reminders.rules", body_id=body.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("reminders/rule_form.html", status=status, form=form, body=body,
                       rule=rule, title="Herinnering wijzigen" if rule else "Nieuwe herinnering")


@bp.route("/overleggen/<int:body_id>/herinneringen/nieuw", methods=["GET", "POST"])
@login_required
def new_rule(body_id: int):
    return rule_page(managed_body(body_id), None)


@bp.route("/herinneringsregels/<int:rule_id>", methods=["GET", "POST"])
@login_required
def edit_rule(rule_id: int):
    rule = managed_rule(rule_id)
    return rule_page(rule.body, rule)


@bp.post("/herinneringsregels/<int:rule_id>/aan-uit")
@login_required
def toggle_rule(rule_id: int):
    rule = managed_rule(rule_id)
    rule.active = not rule.active
    db.session.flush()
    services.replan_body(rule.body)
    db.session.commit()
    flash("De herinnering staat aan." if rule.active else "De herinnering staat uit.", "success")
    return redirect(url_for("reminders.rules", body_id=rule.body_id), 303)


@bp.post("/herinneringsregels/<int:rule_id>/verwijderen")
@login_required
def delete_rule(rule_id: int):
    rule = managed_rule(rule_id)
    body_id = rule.body_id
    services.delete_rule(rule)
    db.session.commit()
    flash("De herinnering is verwijderd. Wat zij al verstuurde, blijft zichtbaar.", "success")
    return redirect(url_for("reminders.rules", body_id=body_id), 303)


@bp.get("/vergaderingen/<int:meeting_id>/herinneringen")
@login_required
def overview(meeting_id: int):
    from consult.meetings.services import meeting_title

    meeting = managed_meeting(meeting_id)
    reminders = services.meeting_reminders(meeting)
    messages = services.meeting_messages(meeting)
    counts = {status: sum(1 for r in reminders if r.status == status)
              for status in ReminderStatus}
    message_counts = {status: sum(1 for m in messages if m.status == status)
                      for status in OutboxStatus}
    return render_page("reminders/overview.html", meeting=meeting, reminders=reminders,
                       messages=messages, counts=counts, message_counts=message_counts,
                       STATUS_LABELS=STATUS_LABELS, OutboxStatus=OutboxStatus,
                       describe=services.describe_offset,
                       title=f"Herinneringen en e-mail: {meeting_title(meeting)}")


@bp.post("/vergaderingen/<int:meeting_id>/berichten/<int:message_id>/opnieuw")
@login_required
def resend(meeting_id: int, message_id: int):
    meeting = managed_meeting(meeting_id)
    message = db.session.scalar(services.meeting_messages_query(meeting).where(
        OutboxMessage.id == message_id))
    if message is None:
        abort(404)
    if message.status != OutboxStatus.FAILED:
        flash("Dit bericht is niet mislukt; er is niets opnieuw verstuurd.", "error")
    else:
        resend_message(message)
        db.session.commit()
        flash(f"Het bericht aan {message.recipient} wordt opnieuw verstuurd.", "success")
    return redirect(url_for("reminders.overview", meeting_id=meeting.id) + "#berichten", 303)


def my_bodies(user) -> list[Body]:
    from consult.meetings.views import my_body_ids

    ids = my_body_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Body).where(Body.id.in_(ids)).order_by(Body.name)))


def reminder_settings() -> list[tuple[Body, str, bool]]:
    """For the account page: per body the member's mode and whether they unsubscribed."""
    if not current_user.is_authenticated:
        return []
    settings = []
    for body in my_bodies(current_user):
        pref = services.preference(current_user.id, body.id)
        settings.append((body, services.effective_mode(pref).value,
                         bool(pref and pref.unsubscribed_at)))
    return settings


@bp.post("/account/herinneringen")
@login_required
def preferences():
    for body in my_bodies(current_user):
        value = request.form.get(f"mode-{body.id}")
        if value in {mode.value for mode in PreferenceMode}:
            pref = services.preference(current_user.id, body.id)
            if services.effective_mode(pref).value != value:
                services.set_preference(current_user.id, body.id, PreferenceMode(value))
    db.session.commit()
    flash("Uw keuze voor herinneringen is opgeslagen.", "success")
    return redirect(url_for("accounts.account") + "#herinneringen-kop", 303)


@bp.route("/afmelden/<token>", methods=["GET", "POST"])
@csrf.exempt  # authorised by the signed token alone: mail clients POST without a session
def unsubscribe(token: str):
    """RFC 8058: GET shows a confirmation (link scanners must not unsubscribe anyone);
    POST (the button, or the mail client's one-click) unsubscribes."""
    ids = services.read_unsubscribe_token(token)
    user = body = None
    if ids is not None:
        user = db.session.get(User, ids[0])
        body = db.session.get(Body, ids[1])
    if user is None or body is None:
        return render_page("reminders/unsubscribe_invalid.html", status=404,
                           title="Deze afmeldlink werkt niet")
    done = False
    if request.method == "POST":
        services.unsubscribe(user.id, body.id)
        db.session.commit()
        done = True
    response = render_page("reminders/unsubscribe.html", body=body, user=user, done=done,
                           token=token, title="Afmelden voor herinneringen")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["reminder_settings"] = reminder_settings
    app.jinja_env.globals["REMINDER_MODE_LABELS"] = {m.value: label
                                                     for m, label in MODE_LABELS.items()}
