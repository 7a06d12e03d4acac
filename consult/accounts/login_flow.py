"""The end of every way of logging in (link, password, organisation account): a fresh
Flask session holding a new login session row's token."""

from flask import redirect, request, session, url_for
from flask_login import login_user

from consult.accounts import services


def finish_login(user, next_url: str = ""):
    session.clear()  # a fresh session on every login: no fixation
    services.start_session(user, request.headers.get("User-Agent", ""))
    login_user(user)
    session.permanent = True
    return redirect(services.safe_next_url(next_url) or url_for("meetings.dashboard"), 303)
