"""One commit per request.

Views never commit: a request that answers below 400 commits once, after the view;
anything else rolls back, so a failed request stores nothing (and queues no mail, since
mail is rows in the same transaction)."""

from flask import current_app, g, session

from consult.extensions import db


def keep_changes() -> None:
    """This error answer keeps what the view wrote (a conflicting statement kept as a
    draft, a failed login counted)."""
    g.keep_changes = True


def after_commit(callback) -> None:
    """Run `callback()` once the request's transaction is committed (never on rollback)."""
    g.setdefault("after_commit", []).append(callback)


def finish_request(response):
    if response.status_code < 400 or g.get("keep_changes"):
        try:
            db.session.commit()
        except Exception as error:  # the commit itself failed: the view's answer is void
            return answer_failed_commit(error)
        for callback in g.pop("after_commit", []):
            callback()
    else:
        db.session.rollback()
    return response


def answer_failed_commit(error: Exception):
    """Nothing is stored (the database went away, a constraint held at the flush): answer
    with the error page the view would have got had it failed itself (a 503 for a
    database that does not answer), without the view's "saved" message."""
    db.session.rollback()
    g.pop("keep_changes", None)
    g.pop("after_commit", None)
    session.pop("_flashes", None)
    failed = current_app.make_response(current_app.handle_user_exception(error))
    # The error page gets the after-request treatment too (security headers; this
    # function then only rolls back, as for any answer of 400 and up).
    return current_app.process_response(failed)


def init_app(app) -> None:
    app.after_request(finish_request)
