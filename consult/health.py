"""GET /healthz, for load balancers and monitoring: 200 when the database answers and
the scheduler ticks; 503 when the database does not answer, or when no tick was seen for
SCHEDULER_LATE_INTERVALS intervals (reminders and mail would silently stop). The answer
says which, with the last tick and the age of the oldest pending message."""

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from consult import ticks
from consult.database import utcnow
from consult.extensions import csrf, db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        now = utcnow()
        state = ticks.scheduler_state(now)
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("health check: database unavailable: %s", error)
        return jsonify(status="unavailable", database="unreachable"), 503
    scheduler = state.as_json(now)
    if state.late:
        current_app.logger.warning("health check: no scheduler tick for %s s",
                                   scheduler["last_seen_seconds_ago"])
        return jsonify(status="unavailable", database="ok", scheduler=scheduler), 503
    return jsonify(status="ok", database="ok", scheduler=scheduler)


def init_app(app: Flask) -> None:
    from consult import status_views

    # Before the first tick is recorded, "late" counts from here (see consult.ticks).
    app.extensions[ticks.STARTED_KEY] = utcnow()
    csrf.exempt(bp)
    app.register_blueprint(bp)
    status_views.init_app(app)
