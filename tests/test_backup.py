"""Backup and restore (`flask backup DIR`, `flask restore DIR`) on the database under test
(SQLite's online backup API, or pg_dump/pg_restore): what is restored equals what was
backed up, every row of every table and every file's bytes, and the secret key; a
database that is not empty is refused. `flask files import-folders` moves the files older
versions kept in instance/ into the database."""

import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from consult import backup as backups
from consult import storage
from consult.accounts.models import User
from consult.accounts.services import start_session
from consult.database import utcnow
from consult.demo import load_demo_data
from consult.exports import services as exports
from consult.exports.jobs import run_export_jobs
from consult.exports.models import ExportFormat, ExportJob, ExportStatus
from consult.extensions import db
from consult.meetings.attachments.files import store_upload
from consult.meetings.models import AgendaItem, Attachment
from consult.storage import StoredFile
from tests.conftest import TEST_DB, create_postgres_database, make_app

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 200 + b"\n%%EOF\n"  # every byte value


@pytest.fixture
def app_config(tmp_path):
    """An instance folder of its own, with the secret key made in it."""
    return {"INSTANCE_PATH": str(tmp_path / "instance-a"), "SECRET_KEY": None}


@pytest.fixture
def empty_database(tmp_path):
    """A second, empty database of the same kind (no tables at all)."""
    if TEST_DB == "postgresql":
        url, drop = create_postgres_database()
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path / 'restored.db'}"


def fill(app) -> dict:
    """The demo set (members, bodies, meetings, attachments), an upload with every byte
    value, and a finished export."""
    with app.app_context():
        load_demo_data()
        admin = db.session.scalar(select(User).where(User.email == "beheer@vereniging.example.org"))
        item = db.session.scalars(select(AgendaItem).order_by(AgendaItem.id)).first()
        upload = store_upload(item, _file(PDF, "begroting.pdf"), label="9z", title="Begroting",
                              confidential=True, by=admin)
        job = exports.create_export(item.meeting, admin, ExportFormat.MARKDOWN)
        db.session.commit()
        upload_id, job_id = upload.id, job.id
        run_export_jobs()  # as the scheduler does
        job = db.session.get(ExportJob, job_id)
        assert job.status == ExportStatus.DONE
        return {"upload": upload_id, "export": job_id,
                "export_bytes": storage.read(job.stored_name)}


def _file(data: bytes, name: str):
    return FileStorage(io.BytesIO(data), name)


def contents(app) -> dict[str, list[tuple]]:
    """Every row of every table, in the order of the primary key, read by reflection (so
    tables the models do not know are compared too)."""
    with app.app_context():
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        with db.engine.connect() as connection:
            return {name: [tuple(row) for row in connection.execute(
                        select(table).order_by(*(table.primary_key.columns or table.columns)))]
                    for name, table in sorted(metadata.tables.items())}


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_what_is_restored_equals_what_was_backed_up(app, tmp_path, empty_database):
    made = fill(app)
    before = contents(app)
    secret = (tmp_path / "instance-a" / "secret_key").read_text()
    result = run(app, "backup", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert "De geheime sleutel (instance/secret_key) zit in de backup" in result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["database"] == TEST_DB
    assert manifest["tables"] == {name: len(rows) for name, rows in before.items()}
    assert manifest["tables"]["stored_file"] >= 3 and manifest["revision"]

    restored = make_app(empty_database, tmp_path / "b", INSTANCE_PATH=str(tmp_path / "instance-b"),
                        SECRET_KEY=None)
    result = run(restored, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert "Hersteld: " in result.output

    after = contents(restored)
    assert after == before  # every table, every row, every column
    assert sum(len(rows) for rows in after.values()) > 100
    assert (tmp_path / "instance-b" / "secret_key").read_text() == secret
    with restored.app_context():
        upload = db.session.get(Attachment, made["upload"])
        assert storage.read(upload.stored_name) == PDF
        job = db.session.get(ExportJob, made["export"])
        assert storage.read(job.stored_name) == made["export_bytes"]
        db.engine.dispose()
    # and the restored app serves the file
    restarted = make_app(empty_database, tmp_path / "c", INSTANCE_PATH=str(tmp_path / "instance-b"))
    client = restarted.test_client()
    with restarted.app_context():
        admin = db.session.scalar(select(User).where(User.email == "beheer@vereniging.example.org"))
        token = start_session(admin)
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
    assert client.get(f"/bijlagen/{made['upload']}").data == PDF
    with restarted.app_context():
        db.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(app, tmp_path):
    fill(app)
    assert run(app, "backup", str(tmp_path / "backup")).exit_code == 0
    before = contents(app)
    result = run(app, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 1
    assert "De database is niet leeg" in result.output
    assert "Herstel alleen in een lege database" in result.output
    assert contents(app) == before


def test_backup_refuses_a_folder_that_is_not_empty(app, tmp_path):
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "iets.txt").write_text("al hier")
    result = run(app, "backup", str(folder))
    assert result.exit_code == 1 and "is niet leeg" in result.output
    assert [path.name for path in folder.iterdir()] == ["iets.txt"]


def test_restore_of_a_folder_without_a_backup_is_refused(app, tmp_path, empty_database):
    (tmp_path / "leeg").mkdir()
    restored = make_app(empty_database, tmp_path / "b")
    result = run(restored, "restore", str(tmp_path / "leeg"))
    assert result.exit_code == 1 and "geen backup van Consult" in result.output


def test_files_of_older_versions_are_moved_into_the_database(app, tmp_path):
    """An attachment and an export whose files are still in ATTACHMENT_DIR and
    EXPORT_DIR (as before the store): moved once, keys unchanged."""
    made = fill(app)
    folders = {"attachments": tmp_path / "attachments", "exports": tmp_path / "exports"}
    with app.app_context():
        upload = db.session.get(Attachment, made["upload"])
        job = db.session.get(ExportJob, made["export"])
        keys = {"attachments": upload.stored_name, "exports": job.stored_name}
        for name, key in keys.items():  # as an older version left them
            folders[name].mkdir(parents=True, exist_ok=True)
            (folders[name] / key).write_bytes(storage.read(key))
        db.session.execute(sa.delete(StoredFile).where(StoredFile.key.in_(keys.values())))
        job.created_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    result = run(app, "files", "import-folders")
    assert result.exit_code == 0, result.output
    assert "2 bestanden verplaatst naar de database" in result.output
    with app.app_context():
        assert storage.read(keys["attachments"]) == PDF
        assert storage.read(keys["exports"]) == made["export_bytes"]
    again = run(app, "files", "import-folders")
    assert "0 bestanden verplaatst" in again.output and "0 niet gevonden" in again.output


@pytest.mark.parametrize(("output", "server", "refused"), [
    ("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n", 15, False),
    ("pg_dump (PostgreSQL) 17.2\n", 15, False),
    ("pg_restore (PostgreSQL) 14.11 (Ubuntu 14.11-1)\n", 15, True),
])
def test_pg_dump_older_than_the_server_is_refused(output, server, refused):
    problem = backups.version_problem("pg_dump", output, server)
    assert (problem is not None) == refused
    if refused:
        assert "installeer postgresql-client-15" in problem
