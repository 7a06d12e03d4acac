"""Reminder rules per body, the per-meeting overview of reminders and messages, the
member's preferences, and the one-click unsubscribe link (RFC 8058)."""

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from consult.extensions import csrf
from consult.meetings.models import Body
from consult.pages import render_page
from consult.permissions import (
    body_for,
    can_create_meetings,
    meeting_for,
    require,
    rule_for,
)
from consult.reminders import overview, preferences, rules
from consult.reminders.forms import RuleForm
from consult.reminders.models import MODE_LABELS, Anchor, Audience, Condition, ReminderRule

bp = Blueprint("reminders", __name__)


@bp.get("/herinneringen")
@login_required
@require(can_create_meetings)
def index():
    return render_page("reminders/index.html", bodies=rules.managed_bodies(current_user),
                       title="Herinneringen")


@bp.get("/overleggen/<int:body_id>/herinneringen", endpoint="rules")
@login_required
def body_rules(body_id: int):
    body = body_for("manage_reminders", body_id)
    return render_page("reminders/rules.html", body=body, rules=rules.body_rules(body),
                       describe=rules.describe_offset,
                       title=f"Herinneringen van {body.name}")


def rule_fields(form: RuleForm) -> rules.RuleFields:
    return rules.RuleFields(
        anchor=Anchor(form.anchor.data), offset_minutes=form.offset_minutes(),
        audience=Audience(form.audience.data), condition=Condition(form.condition.data),
        subject=form.subject.data, message=form.message.data, active=form.active.data)


def fill_form(form: RuleForm, rule: ReminderRule | None) -> None:
    if rule is None:
        form.active.data = True
        form.set_offset(-24 * 60)
        form.anchor.data, form.audience.data = "deadline", "non_responders"
    else:
        form.set_offset(rule.offset_minutes)
        form.anchor.data, form.audience.data = rule.anchor.value, rule.audience.value
        form.condition.data = rule.condition.value


def rule_page(body: Body, rule: ReminderRule | None):
    form = RuleForm(obj=rule)
    if request.method == "GET":
        fill_form(form, rule)
    elif form.validate_on_submit():
        rules.save_rule(body, rule, rule_fields(form))
        flash("De herinnering is opgeslagen en voor de komende vergaderingen opnieuw gepland.",
              "success")
        return redirect(url_for("reminders.rules", body_id=body.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_page("reminders/rule_form.html", status=status, form=form, body=body,
                       rule=rule, title="Herinnering wijzigen" if rule else "Nieuwe herinnering")


@bp.route("/overleggen/<int:body_id>/herinneringen/nieuw", methods=["GET", "POST"])
@login_required
def new_rule(body_id: int):
    return rule_page(body_for("manage_reminders", body_id), None)


@bp.route("/herinneringsregels/<int:rule_id>", methods=["GET", "POST"])
@login_required
def edit_rule(rule_id: int):
    rule = rule_for("manage_reminders", rule_id)
    return rule_page(rule.body, rule)


@bp.post("/herinneringsregels/<int:rule_id>/aan-uit")
@login_required
def toggle_rule(rule_id: int):
    rule = rule_for("manage_reminders", rule_id)
    on = rules.toggle_rule(rule)
    flash("De herinnering staat aan." if on else "De herinnering staat uit.", "success")
    return redirect(url_for("reminders.rules", body_id=rule.body_id), 303)


@bp.post("/herinneringsregels/<int:rule_id>/verwijderen")
@login_required
def delete_rule(rule_id: int):
    rule = rule_for("manage_reminders", rule_id)
    body_id = rule.body_id
    rules.delete_rule(rule)
    flash("De herinnering is verwijderd. Wat zij al verstuurde, blijft zichtbaar.", "success")
    return redirect(url_for("reminders.rules", body_id=body_id), 303)


@bp.get("/vergaderingen/<int:meeting_id>/herinneringen", endpoint="overview")
@login_required
def meeting_overview(meeting_id: int):
    meeting = meeting_for("see_meeting_mail", meeting_id)
    return render_page("reminders/overview.html", **overview.overview_context(meeting))


@bp.post("/vergaderingen/<int:meeting_id>/berichten/<int:message_id>/opnieuw")
@login_required
def resend(meeting_id: int, message_id: int):
    meeting = meeting_for("see_meeting_mail", meeting_id)
    message = overview.meeting_message(meeting, message_id)
    if message is None:
        abort(404)
    if overview.resend_failed(message):
        flash(f"Het bericht aan {message.recipient} wordt opnieuw verstuurd.", "success")
    else:
        flash("Dit bericht is niet mislukt; er is niets opnieuw verstuurd.", "error")
    return redirect(url_for("reminders.overview", meeting_id=meeting.id) + "#berichten", 303)


def reminder_settings() -> list[tuple[Body, str, bool]]:
    """For the account page (a template global)."""
    if not current_user.is_authenticated:
        return []
    return preferences.reminder_settings(current_user)


@bp.post("/account/herinneringen", endpoint="preferences")
@login_required
def save_preferences():
    chosen = {int(name.removeprefix("mode-")): value for name, value in request.form.items()
              if name.startswith("mode-") and name.removeprefix("mode-").isdigit()}
    preferences.save_preferences(current_user, chosen)
    flash("Uw keuze voor herinneringen is opgeslagen.", "success")
    return redirect(url_for("accounts.account") + "#herinneringen-kop", 303)


@bp.route("/afmelden/<token>", methods=["GET", "POST"])
@csrf.exempt  # authorised by the signed token alone: mail clients POST without a session
def unsubscribe(token: str):
    """RFC 8058: GET shows a confirmation (link scanners must not unsubscribe anyone);
    POST (the button, or the mail client's one-click) unsubscribes."""
    target = preferences.unsubscribe_target(token)
    if target is None:
        return render_page("reminders/unsubscribe_invalid.html", status=404,
                           title="Deze afmeldlink werkt niet")
    user, body = target
    done = request.method == "POST"
    if done and body is None:
        preferences.unsubscribe_digest(user.id)
    elif done:
        preferences.unsubscribe(user.id, body.id)
    response = render_page("reminders/unsubscribe.html", body=body, user=user, done=done,
                           token=token, title="Afmelden voor herinneringen")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["reminder_settings"] = reminder_settings
    app.jinja_env.globals["REMINDER_MODE_LABELS"] = {m.value: label
                                                     for m, label in MODE_LABELS.items()}
