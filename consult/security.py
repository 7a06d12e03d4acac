"""Security headers, CSRF failures and the friendly Dutch error pages."""

import contextlib

from flask import Flask, current_app, flash, g, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from consult.accounts.kept_forms import go_to, keep_posted_form, page_to_return_to
from consult.extensions import db, login_manager
from consult.pages import render_page

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

ERROR_TITLES = {
    400: "Het verzoek kon niet worden verwerkt",
    403: "Geen toegang",
    404: "Pagina niet gevonden",
    405: "Deze actie is hier niet mogelijk",
    413: "Het bestand is te groot",
    429: "Te veel pogingen",
    500: "Er ging iets mis",
    503: "Tijdelijk niet beschikbaar",
}

HSTS = "max-age=31536000; includeSubDomains"


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    set_cache_headers(response)
    if current_app.config.get("SESSION_COOKIE_SECURE") or request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def set_cache_headers(response) -> None:
    """Nothing but the static files (the same for everyone) may be kept by a browser or
    proxy: every page, file and feed may be private (a logged-in member's page, an
    attachment, a personal calendar feed, a form with its CSRF token), so none is stored.
    Decided on the endpoint alone, so it also holds when the database is down. A view
    that chose `private` caching itself (attachments: revalidated with their ETag)
    keeps it."""
    if request.endpoint == "static" or "private" in response.headers.get("Cache-Control", ""):
        return
    response.headers["Cache-Control"] = "no-store"
    response.headers.pop("Expires", None)
    response.headers.pop("Last-Modified", None)
    response.headers.pop("ETag", None)


def handle_csrf_error(error: CSRFError):
    """A missing or expired token (the page stood open too long, the session ended):
    keep what the user typed and show it again on a page of its own, from where it is
    sent again (after logging in, if the session ended too)."""
    db.session.rollback()
    token = keep_posted_form()
    if token is None:
        flash("Het formulier was verlopen. Probeer het opnieuw.", "error")
        return go_to(page_to_return_to())
    return go_to(url_for("kept.show", token=token))  # that page says what happened


def handle_http_error(error: HTTPException):
    if error.code and error.code >= 500:
        db.session.rollback()
    code = error.code or 500
    title = ERROR_TITLES.get(code, error.name)
    response = render_page(
        "errors/error.html",
        status=code,
        code=code,
        title=title,
        description=getattr(error, "dutch_description", None),
    )
    if code == 429 and getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def handle_database_unavailable(error: OperationalError):
    """The database does not answer: a clear 503, nothing half-written."""
    current_app.logger.error("database unavailable on %s: %s", request.path, error)
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    # The page must render without asking the database who is logged in.
    g._login_user = login_manager.anonymous_user()
    response = render_page(
        "errors/error.html",
        status=503,
        code=503,
        title=ERROR_TITLES[503],
        description="Consult kan de database nu niet bereiken. Er is niets opgeslagen; "
        "wat u invulde staat nog in uw browser. Probeer het over een paar minuten opnieuw.",
    )
    response.headers["Retry-After"] = "60"
    return response


def handle_unexpected_error(error: Exception):
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return handle_http_error(InternalServerError(original_exception=error))


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected_error)
