"""Backup and restore (`flask backup DIR`, `flask restore DIR`).

A backup folder holds the database (SQLite: a copy made with SQLite's online backup API;
PostgreSQL: a `pg_dump` custom-format file), which includes every attachment and export
(`consult.storage`; with STORAGE = "s3" the objects are copied into files/), the secret
key when it lives in instance/secret_key (sessions, signed links and reply addresses
depend on it), and manifest.json with the row count of every table at the moment of the
copy. A restore goes into an empty database (and object store) only and checks the
counts.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import Connection, engine, inspect, text

from consult import storage, storage_s3
from consult.database import utcnow
from consult.extensions import db

MANIFEST = "manifest.json"
SQLITE_FILE = "consult.db"
PG_DUMP_FILE = "consult.dump"
SECRET_FILE = "secret_key"
OBJECTS_DIR = "files"
FORMAT = 1


class BackupError(Exception):
    """Why a backup or restore cannot be done; the message is for the administrator."""


@dataclass
class Result:
    folder: Path
    tables: dict[str, int]
    secret_key: bool


def backup(folder: Path) -> Result:
    """Write a backup into `folder` (new, or empty)."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"De map {folder} is niet leeg. Kies een nieuwe map voor de backup.")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        tables = _backup_sqlite(folder / SQLITE_FILE)
    elif dialect == "postgresql":
        tables = _backup_postgresql(folder / PG_DUMP_FILE)
    else:
        raise BackupError(f"Backup van een {dialect}-database wordt niet ondersteund.")
    secret = _copy_secret_key(folder)
    manifest = {"format": FORMAT, "database": dialect, "created_at": utcnow().isoformat(),
                "revision": tables.pop("alembic_version:revision", None), "tables": tables,
                "secret_key": secret, "object_store": _copy_objects(folder)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return Result(folder, tables, secret)


def restore(folder: Path) -> Result:
    """Restore the backup in `folder` into the configured database, which must be empty."""
    manifest = read_manifest(folder)
    dialect = db.engine.dialect.name
    if manifest["database"] != dialect:
        raise BackupError(f"Deze backup is van een {manifest['database']}-database; de "
                          f"ingestelde database is {dialect}. Herstel in hetzelfde soort database.")
    ensure_empty()
    if manifest.get("object_store") is not None:
        ensure_empty_store()
    db.session.remove()
    db.engine.dispose()
    if dialect == "sqlite":
        _restore_sqlite(folder / SQLITE_FILE)
    else:
        _restore_postgresql(folder / PG_DUMP_FILE)
    db.engine.dispose()
    with db.engine.connect() as connection:
        tables = count_rows(connection)
    tables.pop("alembic_version:revision", None)
    if tables != manifest["tables"]:
        different = sorted(name for name in set(tables) | set(manifest["tables"])
                           if tables.get(name) != manifest["tables"].get(name))
        raise BackupError("De herstelde database wijkt af van de backup, in de tabellen: "
                          + ", ".join(different))
    _restore_objects(folder, manifest.get("object_store"))
    secret = _restore_secret_key(folder)
    return Result(folder, tables, secret)


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} is geen backup van Consult: {MANIFEST} ontbreekt of is "
                          "onleesbaar.") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Onbekend backupformaat {manifest.get('format')!r}.")
    return manifest


def ensure_empty() -> None:
    """Refuse a database that has tables: a restore never mixes with or overwrites data."""
    names = inspect(db.engine).get_table_names()
    if names:
        shown = ", ".join(sorted(names)[:5]) + (", …" if len(names) > 5 else "")
        raise BackupError(
            f"De database is niet leeg: er zijn al {len(names)} tabellen ({shown}). Herstel "
            "alleen in een lege database: maak een nieuwe aan (zonder `flask db upgrade`) "
            "en stel die in met CONSULT_SQLALCHEMY_DATABASE_URI.")


def count_rows(connection: Connection) -> dict[str, int]:
    """Rows per table (and the schema revision), read in the connection's transaction."""
    counts = {}
    for name in sorted(inspect(connection).get_table_names()):
        quoted = connection.dialect.identifier_preparer.quote(name)
        counts[name] = connection.execute(text(f"SELECT count(*) FROM {quoted}")).scalar()
    if "alembic_version" in counts:
        counts["alembic_version:revision"] = connection.execute(
            text("SELECT version_num FROM alembic_version")).scalar()
    return counts


# --- SQLite ---------------------------------------------------------------------------

def sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("Een SQLite-database in het geheugen kan niet worden geback-upt.")
    return Path(database)


def _backup_sqlite(target: Path) -> dict[str, int]:
    """The online backup API: a consistent copy while the app keeps running."""
    source = sqlite3.connect(sqlite_path())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    os.chmod(target, 0o600)
    # immutable: read without a lock, so no -wal or -shm file appears in the backup
    copy_engine = engine.create_engine("sqlite://", creator=lambda: sqlite3.connect(
        f"file:{target}?immutable=1", uri=True))
    try:
        with copy_engine.connect() as connection:
            return count_rows(connection)
    finally:
        copy_engine.dispose()


def _restore_sqlite(source_file: Path) -> None:
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    target = sqlite3.connect(sqlite_path())
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


# --- PostgreSQL -----------------------------------------------------------------------

def libpq(tool: str) -> tuple[list[str], dict[str, str]]:
    """The tool with the database's connection options, the password in the environment
    (never on the command line, where `ps` shows it)."""
    url = db.engine.url
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    args = [tool, "--dbname", url.set(drivername="postgresql", password=None)
            .render_as_string(hide_password=False)]
    return args, env


def check_tool_version(tool: str) -> None:
    """pg_dump and pg_restore must not be older than the server."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is niet gevonden; installeer postgresql-client.")
    output = subprocess.run([tool, "--version"], capture_output=True, text=True,
                            check=True).stdout
    with db.engine.connect() as connection:
        server = int(connection.execute(text("SHOW server_version_num")).scalar()) // 10000
    problem = version_problem(tool, output, server)
    if problem:
        raise BackupError(problem)


def version_problem(tool: str, version_output: str, server_major: int) -> str | None:
    """"pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" against the server's major
    version: a message when the tool is older (it would refuse, or miss new objects)."""
    found = re.search(r"\(PostgreSQL\) (\d+)", version_output)
    if found is None:
        return f"De versie van {tool} is onbekend: {version_output.strip()!r}."
    tool_major = int(found.group(1))
    if tool_major < server_major:
        return (f"{tool} is versie {tool_major}, de server {server_major}: installeer "
                f"postgresql-client-{server_major}.")
    return None


def _backup_postgresql(target: Path) -> dict[str, int]:
    """pg_dump of the snapshot in which the rows are counted, so the manifest's counts
    are exactly what the dump holds, also while the app keeps writing."""
    check_tool_version("pg_dump")
    with db.engine.connect() as connection:
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar()
        counts = count_rows(connection)
        args, env = libpq("pg_dump")
        done = subprocess.run([*args, "--format=custom", "--no-owner", "--no-privileges",
                               f"--snapshot={snapshot}", f"--file={target}"],
                              capture_output=True, text=True, env=env)
        connection.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump is mislukt: {done.stderr.strip()}")
    os.chmod(target, 0o600)
    return counts


def _restore_postgresql(source_file: Path) -> None:
    check_tool_version("pg_restore")
    args, env = libpq("pg_restore")
    done = subprocess.run([*args, "--no-owner", "--no-privileges", "--exit-on-error",
                           "--single-transaction", str(source_file)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise BackupError(f"pg_restore is mislukt: {done.stderr.strip()}")


# --- files in an object store (STORAGE = "s3") ----------------------------------------

def _copy_objects(folder: Path) -> int | None:
    """With files in S3, each object into files/ (None: the files are in the database).
    Objects are only ever added or deleted, never changed, so copying them after the
    database is complete for every row of the copy."""
    if not storage.in_s3():
        return None
    target = folder / OBJECTS_DIR
    target.mkdir(mode=0o700)
    keys = storage_s3.keys()
    for key in keys:
        data = storage_s3.get(key)
        if data is not None and storage.valid_key(key):
            (target / key).write_bytes(data)
    return len(keys)


def ensure_empty_store() -> None:
    if not storage.in_s3():
        raise BackupError("In deze backup staan de bestanden in een objectopslag (S3): stel "
                          "CONSULT_STORAGE=s3 en de S3-instellingen in.")
    if storage_s3.keys():
        raise BackupError("De objectopslag (S3_BUCKET met S3_PREFIX) is niet leeg. Herstel "
                          "alleen in een lege: kies een nieuwe bucket of prefix.")


def _restore_objects(folder: Path, count: int | None) -> None:
    if count is None:
        return
    paths = sorted((folder / OBJECTS_DIR).iterdir())
    for path in paths:
        storage.save(path.read_bytes(), key=path.name)
    db.session.commit()  # the objects stay
    if len(storage_s3.keys()) != count:
        raise BackupError(f"De objectopslag heeft na het herstel niet de {count} bestanden "
                          "van de backup.")


# --- the secret key -------------------------------------------------------------------

def instance_key_file() -> Path:
    return Path(current_app.instance_path) / SECRET_FILE


def _copy_secret_key(folder: Path) -> bool:
    """The key made in instance/secret_key is part of the installation; a key set in the
    configuration (CONSULT_SECRET_KEY) is kept where it is configured, not copied."""
    path = instance_key_file()
    if not path.is_file() or path.read_text().strip() != current_app.config["SECRET_KEY"]:
        return False
    target = folder / SECRET_FILE
    target.touch(mode=0o600)
    target.write_text(path.read_text())
    return True


def _restore_secret_key(folder: Path) -> bool:
    source = folder / SECRET_FILE
    if not source.is_file():
        return False
    path = instance_key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(source.read_text())
    return True
