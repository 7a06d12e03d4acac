"""Forms kept when a POST cannot be processed: the session expired (log in first) or the
form's CSRF token did. What was typed is stored as a row and shown again on a page
(`/bewaard/<token>`), so `next` after logging in is always a page, never the POST-only
route (which answered 405 and lost the text). A domain can show its own form there
(`resumes`): the member's input reappears in the item's real input form."""

import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, make_response, redirect, request, url_for
from flask_login import current_user
from htmx_flask import request as htmx_request
from sqlalchemy import Boolean, ForeignKey, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from consult.accounts.models import hash_token
from consult.database import UTCDateTime, utcnow
from consult.extensions import db
from consult.transactions import keep_changes

# Enough for any form of ours (a member's input is at most 5,000 characters, a pasted
# text may be far longer and must come back whole to be shortened).
MAX_KEPT_CHARS = 200_000


class KeptForm(db.Model):
    """One posted form that still has to be sent: the fields (JSON, never passwords or
    tokens), the path it was posted to, and whose it is once someone logged in claims it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(500))
    fields: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # Kept because the route needs a login: shown only after logging in.
    needs_login: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    @property
    def formdata(self) -> MultiDict:
        return MultiDict([tuple(pair) for pair in json.loads(self.fields)])


# endpoint -> function(view_args, kept form) -> response: the page that shows that
# endpoint's form filled in (registered by the domain that owns the form).
RESUMERS: dict[str, Callable] = {}


def resumes(endpoint: str):
    def register(function):
        RESUMERS[endpoint] = function
        return function
    return register


def is_secret_field(name: str) -> bool:
    """Passwords and tokens are never stored or echoed back (also with a form prefix)."""
    return "password" in name or name.endswith("csrf_token")


def posted_fields() -> list[tuple[str, str]]:
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if not is_secret_field(name)]
    total = 0
    for _, value in fields:
        total += len(value)
        if total > MAX_KEPT_CHARS:
            return []  # not a form of ours: nothing worth keeping
    return fields


def keep_posted_form(needs_login: bool = False, now: datetime | None = None) -> str | None:
    """Store this request's form; returns the token of its page (None: nothing typed)."""
    fields = posted_fields()
    if not fields:
        return None
    now = now or utcnow()
    hours = current_app.config["KEPT_FORM_HOURS"]
    db.session.execute(delete(KeptForm).where(KeptForm.created_at < now - timedelta(hours=hours)))
    token = secrets.token_urlsafe(24)
    user_id = current_user.id if current_user.is_authenticated else None
    db.session.add(KeptForm(token_hash=hash_token(token), path=request.path[:500],
                            fields=json.dumps(fields), user_id=user_id,
                            needs_login=needs_login, created_at=now))
    keep_changes()  # also when the answer is an error (htmx: 401 with HX-Redirect)
    return token


def find_kept_form(token: str, now: datetime | None = None) -> KeptForm | None:
    """The kept form of this token, if it is still kept and nobody else claimed it; the
    first logged-in user to open it claims it (the page shows a claimed one only to its
    owner, after logging in)."""
    now = now or utcnow()
    hours = current_app.config["KEPT_FORM_HOURS"]
    kept = db.session.scalar(select(KeptForm).where(
        KeptForm.token_hash == hash_token(token),
        KeptForm.created_at >= now - timedelta(hours=hours)))
    if kept is None:
        return None
    if current_user.is_authenticated:
        if kept.user_id is None:
            kept.user_id = current_user.id
        elif kept.user_id != current_user.id:
            return None
    return kept


def kept_endpoint(kept: KeptForm) -> tuple[str, dict] | None:
    """The POST route the form was sent to, with its arguments."""
    adapter = current_app.url_map.bind("localhost")
    try:
        return adapter.match(kept.path, method="POST")
    except HTTPException:
        return None


def page_to_return_to() -> str:
    """A page for `next` after a POST: where the form was (the Referer, if it is a page
    of ours), else the dashboard."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        adapter = current_app.url_map.bind("localhost")
        try:
            adapter.match(referrer.path, method="GET")
        except HTTPException:
            pass
        else:
            return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("meetings.dashboard")


def go_to(url: str, status: int = 303):
    """A redirect, or for htmx the HX-Redirect header: htmx would follow a 302 itself
    and swap the page it lands on into a fragment."""
    if htmx_request.htmx:
        response = make_response("", 401 if status == 401 else 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 302 if status == 401 else status)


def login_required_answer():
    """Flask-Login's "log in first", for every route: a page goes to the login page
    with itself as `next`; a POST keeps its form first, and `next` is the page that
    shows it again."""
    if request.method in ("GET", "HEAD"):
        next_url = request.full_path.rstrip("?")
        flash("Log in om deze pagina te bekijken.", "info")
    else:
        token = keep_posted_form(needs_login=True)
        next_url = url_for("kept.show", token=token) if token else page_to_return_to()
        flash("Uw sessie is verlopen. Log opnieuw in; daarna staat wat u invulde weer klaar "
              "om te versturen." if token else "Uw sessie is verlopen. Log opnieuw in.", "info")
    return go_to(url_for("accounts.login", next=next_url), status=401)
