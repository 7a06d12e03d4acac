"""Logging in and out, and the member's own account page."""

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_required, logout_user

from consult.accounts import addresses, reauth, services
from consult.accounts.forms import (
    AddressForm,
    CurrentPasswordForm,
    LoginLinkForm,
    PasswordLoginForm,
    SetPasswordForm,
)
from consult.accounts.login_flow import finish_login
from consult.extensions import db
from consult.mail.delivery import deliver_now
from consult.pages import render_page
from consult.permissions import address_for
from consult.transactions import after_commit, keep_changes

bp = Blueprint("accounts", __name__)


def client_ip() -> str:
    # Behind a proxy, ProxyFix (configured in wsgi) makes remote_addr the client's.
    return (request.remote_addr or "onbekend")[:45]


def given_email() -> str:
    """The address the page was given (?email=, or either form's field after a failed
    attempt): both forms keep it."""
    return (request.values.get("email") or request.values.get("pw-email") or "")[:254]


def render_login(link_form=None, password_form=None, status=200, message=None):
    next_url = services.safe_next_url(request.values.get("next"))
    link_form = link_form or LoginLinkForm(email=given_email(), next=next_url, formdata=None)
    password_form = password_form or PasswordLoginForm(
        email=given_email(), next=next_url, formdata=None, prefix="pw"
    )
    return render_page(
        "accounts/login.html",
        status=status,
        link_form=link_form,
        password_form=password_form,
        message=message,
        demo=current_app.config["DEMO"],
        clear_drafts=request.args.get("uitgelogd") == "1",
    )


@bp.get("/inloggen")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("meetings.dashboard"))
    return render_login()


@bp.post("/inloggen")
def request_link():
    form = LoginLinkForm()
    if not form.validate():
        return render_login(link_form=form, status=422)
    try:
        message = services.request_login_link(form.email.data, client_ip(),
                                              form.next.data or "")
    except services.TooManyAttempts as error:
        return render_login(
            link_form=form,
            status=429,
            message="U heeft te vaak een inloglink aangevraagd. Probeer het over "
            f"{error.minutes} minuten opnieuw, of log in met uw wachtwoord.",
        )
    if message is not None:
        send_at_once(message)
    return redirect(url_for("accounts.link_sent", email=form.email.data.strip().lower()), 303)


def send_at_once(message) -> None:
    """A login link is wanted now, not at the next tick: delivered once the request has
    committed, claimed like the tick claims (exactly once either way)."""
    db.session.flush()  # the row's id
    message_id = message.id

    def deliver():
        try:
            deliver_now([message_id])
        except Exception:  # noqa: BLE001 - the tick delivers it instead
            current_app.logger.exception("delivering login link %s at once failed", message_id)
    after_commit(deliver)


@bp.get("/inloggen/verstuurd")
def link_sent():
    return render_page("accounts/link_sent.html", email=given_email(),
                       minutes=current_app.config["LOGIN_LINK_MINUTES"])


@bp.post("/inloggen/wachtwoord")
def password_login():
    form = PasswordLoginForm(prefix="pw")
    if not form.validate():
        return render_login(password_form=form, status=422)
    try:
        user = services.login_with_password(form.email.data, form.password.data, client_ip())
    except services.TooManyAttempts as error:
        return render_login(
            password_form=form,
            status=429,
            message="Te veel mislukte pogingen. Probeer het over "
            f"{error.minutes} minuten opnieuw, of vraag hierboven een inloglink aan: "
            "die werkt ook nu.",
        )
    except services.LoginFailed:
        keep_changes()  # the failed attempt counts
        form.password.errors = ["Het e-mailadres of het wachtwoord klopt niet."]
        return render_login(password_form=form, status=422)
    return finish_login(user, form.next.data or "")


@bp.get("/inloggen/link/<token>")
def login_link(token: str):
    # Showing the page does not use the link: mail scanners that open links must not
    # burn it. The button below does.
    try:
        link = services.find_login_link(token)
    except services.InvalidLoginLink as error:
        return render_page("accounts/link_invalid.html", status=410, reason=error.reason)
    response = render_page("accounts/login_link.html", user=link.user)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/inloggen/link/<token>")
def use_login_link(token: str):
    try:
        link = services.use_login_link(token)
    except services.InvalidLoginLink as error:
        return render_page("accounts/link_invalid.html", status=410, reason=error.reason)
    return finish_login(link.user, link.next_url)


def logged_out(message: str):
    """Texts not yet sent, kept in this browser (static/js/consult.js), go with the
    session on a shared PC: the browser clears its storage (Clear-Site-Data), and the
    login page marks them for the script (uitgelogd=1) where a browser ignores that."""
    logout_user()
    session.clear()
    flash(message, "info")
    response = redirect(url_for("accounts.login", uitgelogd=1), 303)
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


@bp.post("/uitloggen")
@login_required
def logout():
    services.end_session(current_user.login_token)
    return logged_out("U bent uitgelogd.")


@bp.post("/uitloggen/overal")
@login_required
def logout_everywhere():
    services.end_all_sessions(current_user)
    return logged_out("U bent op alle apparaten uitgelogd.")


def render_account(form=None, remove_form=None, status=200, error=None, remove_error=None,
                   address_form=None):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    return render_page(
        "accounts/account.html", status=status, addresses=addresses.addresses(current_user),
        address_form=address_form or AddressForm(prefix="adres", formdata=None),
        form=form or SetPasswordForm(min_length=minimum, formdata=None),
        remove_form=remove_form or CurrentPasswordForm(prefix="rm", formdata=None),
        reauth_error=error, remove_error=remove_error, fresh=reauth.is_fresh(current_user),
        reauth_link_form=LoginLinkForm(email=current_user.email, next=url_for("accounts.account"),
                                       formdata=None))


def password_changed(new_password: str | None, current_password: str | None):
    """Confirm who is there, change, end the other sessions; None when it is done, else
    the Dutch reason (and a 429 for too many wrong passwords)."""
    try:
        ended = reauth.change_password(current_user, new_password, current_password, client_ip())
    except reauth.ReauthRequired as error:
        keep_changes()  # a wrong current password counts as a failed login
        return str(error), 422
    except services.TooManyAttempts as error:
        return ("Te veel mislukte pogingen. Probeer het over "
                f"{error.retry_after // 60} minuten opnieuw."), 429
    if ended:
        flash(f"U bent op {ended} ander(e) apparaat/apparaten uitgelogd.", "info")
    return None, 303


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = SetPasswordForm(min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    if not form.validate_on_submit():
        return render_account(form=form, status=422 if form.is_submitted() else 200)
    error, status = password_changed(form.password.data, form.current_password.data)
    if error:
        return render_account(form=form, status=status, error=error)
    flash("Uw wachtwoord is ingesteld.", "success")
    return redirect(url_for("accounts.account"), 303)


@bp.post("/account/wachtwoord-verwijderen")
@login_required
def remove_password():
    form = CurrentPasswordForm(prefix="rm")
    error, status = password_changed(None, form.current_password.data)
    if error:
        return render_account(remove_form=form, status=status, remove_error=error)
    flash("Uw wachtwoord is verwijderd. U logt voortaan in met een inloglink.", "success")
    return redirect(url_for("accounts.account"), 303)


@bp.post("/account/adressen")
@login_required
def add_address():
    form = AddressForm(prefix="adres")
    if form.validate():
        try:
            addresses.add_address(current_user, form.email.data)
        except addresses.AddressError as error:
            form.email.errors = [str(error)]
        else:
            flash(f"We hebben een bevestigingslink gestuurd naar {form.email.data.strip()}.",
                  "success")
            return redirect(url_for("accounts.account") + "#adressen", 303)
    return render_account(address_form=form, status=422)


@bp.post("/account/adressen/<int:address_id>/verwijderen")
@login_required
def remove_address(address_id: int):
    address = address_for("manage_address", address_id)
    addresses.remove_address(address)
    flash(f"{address.email} is van uw account verwijderd.", "success")
    return redirect(url_for("accounts.account") + "#adressen", 303)


@bp.route("/adres-bevestigen/<token>", methods=["GET", "POST"])
def confirm_address(token: str):
    """The GET shows a button, the POST confirms: a mail scanner opening the link
    confirms nothing."""
    try:
        address = (addresses.confirm_address(token) if request.method == "POST"
                   else addresses.address_for_token(token))
    except addresses.AddressError as error:
        return render_page("accounts/address_confirm.html", status=410, error=str(error))
    if request.method == "POST":
        return render_page("accounts/address_confirm.html", address=address, done=True)
    response = render_page("accounts/address_confirm.html", address=address)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
