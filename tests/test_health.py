from datetime import timedelta

import pytest

from consult import ticks
from consult.database import utcnow
from consult.extensions import db
from consult.scheduler import run_tick
from consult.ticks import SchedulerTick
from tests.conftest import TEST_DB, make_app
from tests.test_mail_smtp import queue


def test_healthz_ok(client):
    """A fresh install: no tick yet, and the app started just now, so not late."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["database"] == "ok"
    scheduler = response.json["scheduler"]
    assert scheduler["status"] == "waiting" and scheduler["last_tick_started"] is None
    assert scheduler["late_after_seconds"] == 3 * 60


def test_healthz_reports_the_last_tick_and_the_oldest_pending_message(app, client):
    with app.test_request_context():
        run_tick()
        message = queue("lid@example.org")
        message.created_at = utcnow() - timedelta(minutes=7)
        db.session.commit()
    scheduler = client.get("/healthz").json["scheduler"]
    assert scheduler["status"] == "ok" and scheduler["last_tick_finished"]
    assert scheduler["last_seen_seconds_ago"] <= 5
    assert 7 * 60 <= scheduler["oldest_pending_message_seconds"] < 8 * 60


def test_healthz_503_when_the_scheduler_missed_three_intervals(app, client):
    with app.app_context():
        run_tick()
        db.session.execute(db.update(SchedulerTick).values(
            seen_at=utcnow() - timedelta(seconds=3 * 60 - 5)))
        db.session.commit()
    assert client.get("/healthz").status_code == 200  # two intervals and a bit: not yet
    with app.app_context():
        db.session.execute(db.update(SchedulerTick).values(
            seen_at=utcnow() - timedelta(seconds=3 * 60 + 5)))
        db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable" and response.json["database"] == "ok"
    assert response.json["scheduler"]["status"] == "late"
    with app.app_context():
        run_tick()
    assert client.get("/healthz").status_code == 200


def test_a_scheduler_that_never_ticked_is_late_three_intervals_after_the_start(app, client):
    app.extensions[ticks.STARTED_KEY] = utcnow() - timedelta(minutes=4)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["scheduler"]["status"] == "late"


def test_a_tick_that_fails_is_recorded_with_its_error(app, monkeypatch):
    from consult import scheduler

    def broken(now):
        raise RuntimeError("database weg")

    monkeypatch.setattr(scheduler, "send_digests", broken)
    with app.app_context():
        with pytest.raises(RuntimeError):
            run_tick()
        [tick] = db.session.scalars(db.select(SchedulerTick)).all()
        assert tick.finished_at is not None and tick.error == "RuntimeError: database weg"


def test_the_tick_history_is_bounded(app):
    app.config["SCHEDULER_TICK_HISTORY"] = 3
    with app.app_context():
        for _ in range(5):
            run_tick()
        ids = db.session.scalars(db.select(SchedulerTick.id).order_by(SchedulerTick.id)).all()
        assert len(ids) == 3 and ids == list(range(ids[0], ids[0] + 3))
        assert all(tick.counts == {"sent": 0, "failed": 0} for tick in ticks.recent_ticks())


def test_healthz_503_when_the_database_does_not_answer(tmp_path):
    if TEST_DB == "postgresql":
        uri = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1"
    else:
        uri = f"sqlite:///{tmp_path}/missing-folder/consult.db"
    app = make_app(uri, tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    with app.app_context():
        db.engine.dispose()


def test_pages_answer_503_with_a_clear_page_when_the_database_is_down(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/missing-folder/consult.db", tmp_path)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "some-token"
    response = client.get("/")
    assert response.status_code == 503
    assert "Tijdelijk niet beschikbaar" in response.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def test_the_status_page_shows_the_scheduler_mail_and_jobs(app, client, auth, users):
    from consult.mail.models import OutboxStatus

    with app.test_request_context():
        run_tick()
        for status in (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.HELD,
                       OutboxStatus.HELD):
            queue(f"{status.value}{utcnow().timestamp()}@example.org").status = status
        db.session.commit()
    auth.login("admin")
    page = client.get("/beheer/status").text
    assert "De planner draait" in page and "niets te doen" in page  # a tick with no work
    assert "verstuurd: 0" not in page  # only what a tick did
    assert "<strong>1</strong> in de wachtrij" in page
    assert "<strong>1</strong> mislukt" in page and "<strong>2</strong> onzeker" in page
    assert 'href="/beheer/berichten"' in page
    with app.app_context():
        db.session.execute(db.update(SchedulerTick).values(
            seen_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
    assert "De planner draait niet" in client.get("/beheer/status").text
