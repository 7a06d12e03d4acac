import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from consult.accounts import services
from consult.accounts.models import ThrottleCounter, User
from consult.extensions import db
from tests.factories import make_user


def test_migrations_produce_exactly_the_models_schema(app):
    """`flask db check` in a test: upgrade on an empty database (done once for the
    session by the `migrated` fixture) leaves nothing for autogenerate to add."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, db.metadata) == []


def test_flask_db_check_command(app):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_with_busy_timeout(app):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.sqlite_only
def test_concurrent_writers_never_see_database_is_locked(app):
    """Read-then-write transactions from many threads at once: with deferred BEGIN
    these fail with "database is locked"; with BEGIN IMMEDIATE they queue."""
    threads, per_thread = 12, 15
    errors: list[Exception] = []
    start = threading.Barrier(threads)

    def worker(number: int):
        with app.app_context():
            start.wait()
            for attempt in range(per_thread):
                try:
                    services.request_login_link(
                        f"lid{number}-{attempt}@example.org", f"10.0.{number}.{attempt}"
                    )
                    db.session.commit()
                except OperationalError as error:  # "database is locked"
                    db.session.rollback()
                    errors.append(error)
            db.session.remove()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    with app.app_context():
        # Two counters per request: its address and its IP address, all different here.
        assert db.session.scalar(select(func.count(ThrottleCounter.key))) == 2 * threads * per_thread


@pytest.mark.sqlite_only
def test_get_requests_read_while_a_writer_holds_the_lock(app, client, auth):
    """GETs use a deferred BEGIN, so under WAL they do not wait for writers."""
    auth.login("member")
    with app.app_context(), db.engine.connect() as writer:
        # Outside a request every transaction is BEGIN IMMEDIATE: this one holds the lock.
        writer.execute(ThrottleCounter.__table__.insert().values(
            key="x" * 64, window_start=datetime.now(UTC), count=1))
        try:
            response = client.get("/")
        finally:
            writer.rollback()
    assert response.status_code == 200


@pytest.mark.sqlite_only
def test_a_get_that_writes_begins_immediate_and_the_others_deferred(app, client, auth, world):
    """The workspace records the delegate's visit: its GET begins IMMEDIATE (the write
    waits its turn), the meeting page keeps the deferred BEGIN."""
    begins = []

    def seen(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    auth.login("delegate")
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert client.get(f"/vergaderingen/{world['meeting']}").status_code == 200
        reading = set(begins)
        begins.clear()
        assert client.get(f"/vergaderingen/{world['meeting']}/werkruimte").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert reading == {"BEGIN"}
    assert set(begins) == {"BEGIN IMMEDIATE"}


def test_datetimes_are_stored_and_returned_as_utc(app):
    amsterdam_summer = timezone(timedelta(hours=2))
    moment = datetime(2026, 10, 25, 2, 30, tzinfo=amsterdam_summer)
    with app.app_context():
        user = make_user()
        user.deactivated_at = moment
        db.session.commit()
        db.session.expire_all()
        loaded = db.session.get(User, user.id).deactivated_at
        assert loaded == moment and loaded.tzinfo == UTC
        assert loaded.hour == 0
        with pytest.raises(Exception, match="naive datetime"):
            user.deactivated_at = datetime(2026, 1, 1)
            db.session.flush()
        db.session.rollback()


def test_email_is_unique_case_insensitively(app):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        make_user(email="Jan@Ede.example.org")
        db.session.commit()
        with pytest.raises(IntegrityError):
            make_user(email="jan@ede.EXAMPLE.org")
        db.session.rollback()
