"""Database plumbing shared by all domains: the declarative base, a UTC datetime
type, and the SQLite settings that make concurrent writers wait instead of fail."""

from datetime import UTC, datetime

from flask import current_app, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as UTC on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite stores text: keep it naive there so comparisons stay lexical and exact.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def configure_sqlite(engine: Engine) -> None:
    """WAL, a generous busy timeout and `BEGIN IMMEDIATE` for writes.

    pysqlite's own transaction handling is switched off so we issue BEGIN ourselves:
    a deferred transaction that reads and then writes fails at once with "database is
    locked" when another writer got in between; an immediate one waits its turn.
    Safe requests (GET/HEAD/OPTIONS) keep the cheap deferred BEGIN and read
    concurrently under WAL, unless their view is marked `writes_on_get`.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN" if reads_only() else "BEGIN IMMEDIATE")


def writes_on_get(view):
    """Marks a view that writes although it answers GET (the delegate's last visit of a
    workspace): on SQLite its transaction begins IMMEDIATE like a POST's, so the write
    waits its turn instead of failing on a snapshot another writer made stale. Put it
    right above the function: functools.wraps carries the mark up through the other
    decorators."""
    view.writes_on_get = True
    return view


def reads_only() -> bool:
    if not has_request_context() or request.method not in ("GET", "HEAD", "OPTIONS"):
        return False
    view = current_app.view_functions.get(request.endpoint)
    return not getattr(view, "writes_on_get", False)


def contains_pattern(text: str) -> str:
    """A LIKE pattern for "contains `text`", case-folded, with %, _ and \\ taken literally.
    Use with `.like(pattern, escape="\\\\")`."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


MAX_PAGE = 10_000  # a larger page number would overflow OFFSET on some backends
MAX_ID = 2**31 - 1  # INTEGER on PostgreSQL; a larger id in a query cannot name a row


def page_number(value) -> int:
    """The page asked for in a query string (`?page=`), as a number from 1 to MAX_PAGE:
    anything else (text, negative, huge, "²") is the first or the last page, never an error."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return min(max(1, int(text)), MAX_PAGE)


def id_number(value) -> int:
    """A row id from a query string (`?region=`), or 0 (no filter) when it cannot name one."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return 0
    number = int(text)
    return number if 0 < number <= MAX_ID else 0


def paginate(session, query, page: int, per_page: int) -> tuple[list, int, int, int]:
    """Page `page` (from 1, clamped) of a select: (rows, page, total rows, pages)."""
    page = min(max(1, page), MAX_PAGE)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, page, total, max(1, -(-total // per_page))


def upsert(session: Session, model):
    """INSERT … ON CONFLICT for the session's database (SQLite and PostgreSQL share the
    syntax, not the construct): rows that other processes may insert at the same moment."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
