"""Fixtures in the style of Flask's tutorial: app, client and logging in per role.

The database is SQLite by default; CONSULT_TEST_DB=postgresql runs the same suite on a
PostgreSQL database of its own, created and dropped here (one per xdist worker). With
CI=true, a skipped test is a failed test: something that should have run did not.

Hypothesis profiles (HYPOTHESIS_PROFILE, else "ci" when CI=true, else "dev"): "ci" is
deterministic (derandomized, no example database), "dev" draws new examples on every
run, "slow" draws many more (`make test-slow`).
"""

import io
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from hypothesis import settings
from werkzeug.datastructures import FileStorage

from consult import create_app
from consult.extensions import db
from tests.factories import make_body, make_meeting, make_user


@contextmanager
def count_queries(app):
    """The SQL statements the engine runs inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


IN_CI = os.environ.get("CI") == "true"
TEST_DB = os.environ.get("CONSULT_TEST_DB", "sqlite")
POSTGRES_ADMIN_URL = os.environ.get(
    "CONSULT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# The workspace's shared folder: next to the checkout, or further up for a git worktree.
SHARED = next((folder / "shared" for folder in Path(__file__).resolve().parents[1:]
               if (folder / "shared" / "fixtures").is_dir()),
              Path(__file__).resolve().parents[2] / "shared")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")  # "gw0", "gw1", ... under xdist

# Examples per test (the fuzz test: per route). No deadline: an HTTP round trip on a
# busy machine is not a bug.
settings.register_profile("ci", derandomize=True, max_examples=5, deadline=None,
                          database=None, print_blob=True)
settings.register_profile("dev", max_examples=5, deadline=None, database=None)
settings.register_profile("slow", max_examples=60, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))

# Which tests `make check` leaves out, and which run apart, after the parallel run
# (real processes, timing and memory measurements: `serial`), by module and test name.
MODULE_MARKERS = {
    "test_fuzz_routes.py": ("fuzz",),
    "test_faults.py": ("faults", "serial"),
    "test_reminders_concurrency.py": ("faults", "serial"),
    "test_mail_slow_fanout.py": ("faults", "serial"),
    "test_two_machines.py": ("serial",),
    "test_scheduler_processes.py": ("faults", "serial"),
}
SERIAL_TESTS = {
    "test_password_checks_take_their_memory_one_at_a_time",
    "test_concurrent_writers_never_see_database_is_locked",
    "test_concurrent_wrong_passwords_get_exactly_the_limit_of_checks",
    "test_concurrent_link_requests_send_exactly_the_limit",
}


def skip_unless_ci(reason: str):
    """Skip locally; in CI a missing dependency is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def postgres_admin_engine():
    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    return engine


def create_postgres_database() -> tuple[str, callable]:
    """A fresh database; returns its URL and a function that drops it."""
    admin = postgres_admin_engine()
    name = f"consult_test_{WORKER}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name)

    def drop():
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def pytest_sessionstart(session):
    if TEST_DB == "postgresql":
        try:
            postgres_admin_engine().dispose()
        except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
            if IN_CI:
                raise pytest.UsageError(f"PostgreSQL is required in CI: {error}") from error
            pytest.exit(f"PostgreSQL not reachable ({error}); the PostgreSQL pass is skipped.",
                        returncode=0)


def pytest_collection_modifyitems(config, items):
    """Markers by module; backend-specific tests are deselected on the other backend (not
    skipped: in CI a skip means something that should have run did not)."""
    for item in items:
        marks = MODULE_MARKERS.get(item.path.name, ())
        if item.originalname in SERIAL_TESTS:
            marks = (*marks, "serial")
        for mark in marks:
            item.add_marker(getattr(pytest.mark, mark))
    other = "postgres_only" if TEST_DB == "sqlite" else "sqlite_only"
    deselected = [item for item in items if other in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if other not in item.keywords]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"{reason} (CI=true: a skip is a failure)"
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.write_line(f"database under test: {TEST_DB}; "
                                f"hypothesis profile: {settings.get_current_profile_name()}")


@pytest.fixture(scope="session", autouse=True)
def process_folders(tmp_path_factory):
    """Processes the tests start (flask CLI, scheduler) keep their files in this worker's
    temporary folder, never in the checkout's instance/."""
    folder = tmp_path_factory.mktemp("process")
    names = {"CONSULT_ATTACHMENT_DIR": "attachments", "CONSULT_EXPORT_DIR": "exports",
             "CONSULT_MAIL_FILE_DIR": "mail"}
    saved = {name: os.environ.get(name) for name in names}
    for name, sub in names.items():
        os.environ.setdefault(name, str(folder / sub))
    yield folder
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    if TEST_DB == "postgresql":
        url, drop = create_postgres_database()
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'consult.db'}"


def make_app(database_uri: str, tmp_path: Path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "MAIL_FILE_DIR": str(tmp_path / "mail"),
        "ATTACHMENT_DIR": str(tmp_path / "attachments"),
        "EXPORT_DIR": str(tmp_path / "exports"),
        "SESSION_COOKIE_SECURE": False,
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://localhost",
        "PASSWORD_MIN_LENGTH": 10,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def migrated(database_uri, tmp_path_factory):
    """Migrations are applied once per session: the schema tests use exactly this."""
    app = make_app(database_uri, tmp_path_factory.mktemp("migrate"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return True


def clean_database():
    """Empty every table. Keys that close a cycle (statement <-> revision) are cleared
    first, so plain DELETEs in dependency order work on every backend."""
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        for table in tables:
            for key in table.foreign_keys:
                if key.use_alter:
                    connection.execute(table.update().values({key.parent.name: None}))
        for table in tables:
            connection.execute(table.delete())


@pytest.fixture
def app_config():
    """Override per test module: `@pytest.fixture def app_config(): return {...}`."""
    return {}


@pytest.fixture
def app(database_uri, migrated, tmp_path, app_config):
    app = make_app(database_uri, tmp_path, **app_config)
    with app.app_context():
        clean_database()
    yield app
    with app.app_context():  # the next test cleans before it starts
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(app):
    """One user per role, as flaskr's test data."""
    return create_users(app)


def create_users(app) -> dict[str, int]:
    with app.app_context():
        people = {
            "admin": make_user("admin", name="Ada Beheer"),
            "delegate": make_user("delegate", name="Mirjam Kok"),
            "chair": make_user("chair", name="Pieter Bakker", region="Noord"),
            "member": make_user("member", name="Anouk Smit", region="Noord"),
        }
        db.session.commit()
        return {role: user.id for role, user in people.items()}


@pytest.fixture
def world(app, users):
    return create_world(app, users)


def create_world(app, users):
    """A body with `delegate` as its delegate, a published meeting with attachments and a
    draft; `other_delegate` delegates another body."""
    from consult.accounts.models import User
    from consult.demo.meetings import tiny_pdf
    from consult.meetings.attachments.files import store_upload
    from consult.meetings.models import Attachment

    with app.test_request_context():
        delegate = db.session.get(User, users["delegate"])
        other_delegate = make_user("delegate", name="Andere Gedelegeerde")
        body = make_body(delegates=[delegate])
        other = make_body("CIO-Beraad – VNG", short_name="CIO", delegates=[other_delegate])
        meeting = make_meeting(body)
        draft = make_meeting(body, published=False, starts_in_days=40, deadline_in_days=35)
        foreign = make_meeting(other, published=False)
        item = meeting.items[0]

        def upload(confidential: bool) -> Attachment:
            file = FileStorage(io.BytesIO(tiny_pdf("Bijlage")), filename="bijlage.pdf")
            return store_upload(item, file, label="1a", title="Bijlage",
                                confidential=confidential, by=delegate)

        attachment, confidential = upload(False), upload(True)
        placeholder = Attachment(label="1c", title="Nog te uploaden")
        item.attachments.append(placeholder)
        from consult.exports.models import ExportFormat, ExportJob  # queued, never started

        export_job = ExportJob(meeting=meeting, user_id=delegate.id, format=ExportFormat.DOCX)
        db.session.add(export_job)
        db.session.commit()
        users["other_delegate"] = other_delegate.id
        from consult.reminders.models import ReminderRule  # every body has default rules

        rule = db.session.scalar(db.select(ReminderRule.id).where(ReminderRule.body_id == body.id)
                                 .order_by(ReminderRule.id).limit(1))
        return {"rule": rule, "member": users["member"], "body": body.id, "other": other.id,
                "foreign": foreign.id, "meeting": meeting.id,
                "draft": draft.id, "item": item.id, "draft_item": draft.items[0].id,
                "attachment": attachment.id, "confidential": confidential.id,
                "placeholder": placeholder.id, "export_job": export_job.id}


@pytest.fixture
def route_world(world, app, users):
    return extend_world(app, users, world)


def extend_world(app, users, world):
    """The shared world plus input by the member and a saved statement."""
    from consult.accounts.models import User
    from consult.accounts.oidc_models import OidcProvider
    from consult.comments.models import Comment
    from consult.extensions import db
    from consult.meetings.models import AgendaItem
    from consult.statements.services import save_statement, statement_for

    with app.app_context():
        item = db.session.get(AgendaItem, world["item"])
        comment = Comment(item=item, author_id=users["member"], text="Inbreng van Anouk")
        db.session.add(comment)
        revision = save_statement(statement_for(item), db.session.get(User, users["delegate"]),
                                  "Eerste versie", None)
        provider = OidcProvider(name="Gemeente Zeist", discovery_url="https://sso.invalid",
                                client_id="consult", client_secret="geheim")
        db.session.add(provider)
        db.session.commit()
        return {**world, "comment": comment.id, "revision": revision.id,
                "login_provider": provider.id}


class AuthActions:
    """Log a test client in as a user without going through a password hash."""

    def __init__(self, app, client, users):
        self.app, self.client, self.users = app, client, users

    def login(self, role: str) -> int:
        from consult.accounts.models import User
        from consult.accounts.services import start_session

        with self.app.app_context():
            user = db.session.get(User, self.users[role])
            token = start_session(user)
            db.session.commit()
        with self.client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        return self.users[role]


@pytest.fixture
def auth(app, client, users):
    return AuthActions(app, client, users)

