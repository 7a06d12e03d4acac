"""Files (bijlagen, exports) kept where every web machine reaches them: in the database,
or with STORAGE = "s3" in an S3-compatible object store (`storage_s3.py`).

In the database a file is one `stored_file` row (bytea on PostgreSQL, a BLOB on SQLite)
under a generated key, written in the caller's transaction: a rolled-back upload leaves
nothing behind, a deletion takes effect with the commit, and a backup of the database
holds every file. Files are documents of at most a few MB (ATTACHMENT_MAX_BYTES), so they
are read whole.
"""

import re
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import Connection, LargeBinary, String, delete, exists, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

from consult import storage_s3
from consult.database import UTCDateTime, utcnow
from consult.extensions import db

KEY = re.compile(r"[0-9a-f]{32}(\.[a-z0-9]{1,8})?")
# SQLite: "database or disk is full"; PostgreSQL: SQLSTATE 53100 (disk_full).
FULL_MESSAGES = ("database or disk is full", "no space left on device")


class StoredFile(db.Model):
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Only loaded when the bytes are asked for, never by a listing.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class StorageFull(Exception):
    """The database has no room for the file; nothing was stored."""


def new_key(suffix: str = "") -> str:
    """A generated key ("<32 hex>.pdf"): never derived from user input."""
    return f"{secrets.token_hex(16)}{suffix}"


def save(data: bytes, suffix: str = "", key: str | None = None) -> str:
    """Store `data` in the current transaction; returns its key. A full database raises
    StorageFull after rolling the transaction back (SQLite has already undone it), so
    the session is usable again for the error page."""
    key = key or new_key(suffix)
    if in_s3():
        storage_s3.put(key, data)
        return key
    row = StoredFile(key=key, size=len(data), data=data)
    db.session.add(row)
    try:
        db.session.flush()
    except DBAPIError as error:
        if is_full(error):
            db.session.rollback()
            raise StorageFull(str(error.orig)) from error
        raise
    db.session.expunge(row)  # written: the session need not hold the bytes
    return key


def in_s3() -> bool:
    backend = current_app.config.get("STORAGE") or "database"
    if backend not in ("database", "s3"):
        raise RuntimeError(f"STORAGE must be 'database' or 's3', not {backend!r}")
    return backend == "s3"


def is_full(error: DBAPIError) -> bool:
    if getattr(error.orig, "sqlstate", None) == "53100":
        return True
    return any(text in str(error.orig).lower() for text in FULL_MESSAGES)


def valid_key(key: str | None) -> bool:
    return bool(key) and KEY.fullmatch(key) is not None


def read(key: str | None) -> bytes | None:
    """The file's bytes, or None when there is no such file."""
    if not valid_key(key):
        return None
    if in_s3():
        return storage_s3.get(key)
    return db.session.scalar(select(StoredFile.data).where(StoredFile.key == key))


def has(key: str | None) -> bool:
    if not valid_key(key):
        return False
    if in_s3():
        return storage_s3.has(key)
    return bool(db.session.scalar(select(exists().where(StoredFile.key == key))))


def remove(key: str | None, connection: Connection | None = None) -> None:
    """Delete in the current transaction (or on `connection`, from a flush event); an
    object in S3 once the transaction has committed."""
    if not key:
        return
    if in_s3():
        storage_s3.remove_after_commit(key)
        return
    statement = delete(StoredFile).where(StoredFile.key == key)
    if connection is not None:
        connection.execute(statement)
    else:
        db.session.execute(statement)
