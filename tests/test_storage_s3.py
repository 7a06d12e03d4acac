"""Files in an S3-compatible object store (STORAGE = "s3"), against a real S3 server over
HTTP: moto's server, started as its own process. An upload is an object, a rolled-back
one leaves none, a replaced or deleted file's object goes with the commit, an export is
fetched from the store, and backup and restore carry the objects along."""

import io
import subprocess
import sys
import time
import uuid

import boto3
import pytest
import requests
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from consult import storage
from consult.accounts.models import User
from consult.exports import services as exports
from consult.exports.jobs import run_export_jobs
from consult.exports.models import ExportFormat, ExportJob
from consult.extensions import db
from consult.meetings.attachments.files import store_upload
from consult.meetings.models import AgendaItem, Attachment
from consult.storage import StoredFile
from tests.conftest import TEST_DB, create_postgres_database, make_app
from tests.factories import make_body, make_meeting
from tests.test_backup import contents, run
from tests.test_mail_smtp import free_port

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 100 + b"\n%%EOF\n"
OTHER_PDF = b"%PDF-1.7\nanders\n%%EOF\n"


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                    "-p", str(port)], stdout=out, stderr=out)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(endpoint, timeout=5)
            break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        process.kill()
        raise AssertionError(f"moto did not start: {log.read_text()[-2000:]}")
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


def s3_config(endpoint: str, bucket: str) -> dict:
    return {"STORAGE": "s3", "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": bucket,
            "S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "test",
            "S3_SECRET_ACCESS_KEY": "test"}


def new_bucket(endpoint: str) -> str:
    name = f"consult-{uuid.uuid4().hex[:12]}"
    raw_client(endpoint).create_bucket(Bucket=name)
    return name


def raw_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture
def app_config(s3_endpoint, tmp_path):
    return {**s3_config(s3_endpoint, new_bucket(s3_endpoint)),
            "INSTANCE_PATH": str(tmp_path / "instance")}


def objects(app) -> dict[str, bytes]:
    """What the bucket holds, read straight from the server."""
    client = raw_client(app.config["S3_ENDPOINT_URL"])
    listing = client.list_objects_v2(Bucket=app.config["S3_BUCKET"]).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=app.config["S3_BUCKET"], Key=item["Key"])
            ["Body"].read() for item in listing}


@pytest.fixture
def item_id(app, users):
    with app.app_context():
        meeting = make_meeting(make_body(delegates=[db.session.get(User, users["delegate"])]),
                               items=1)
        db.session.commit()
        return meeting.items[0].id


def upload(client, item_id: int, data: bytes):
    return client.post(f"/agendapunten/{item_id}/bijlagen", data={
        "label": "1a", "title": "Begroting", "file": (io.BytesIO(data), "begroting.pdf")},
        content_type="multipart/form-data")


def only_attachment(app) -> Attachment:
    with app.app_context():
        return db.session.scalars(select(Attachment)).one()


def test_an_upload_is_an_object_and_downloads(app, client, auth, item_id):
    auth.login("delegate")
    assert upload(client, item_id, PDF).status_code == 303
    attachment = only_attachment(app)
    assert objects(app) == {f"consult/{attachment.stored_name}": PDF}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    download = client.get(f"/bijlagen/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF


def test_a_rolled_back_or_uncommitted_upload_leaves_no_object(app, item_id):
    with app.test_request_context():
        item = db.session.get(AgendaItem, item_id)
        store_upload(item, FileStorage(io.BytesIO(PDF), "a.pdf"), label="", title="",
                     confidential=False, by=None)
        assert len(objects(app)) == 1  # put at once
        db.session.rollback()
        assert objects(app) == {}
    with app.test_request_context():
        item = db.session.get(AgendaItem, item_id)
        store_upload(item, FileStorage(io.BytesIO(PDF), "a.pdf"), label="", title="",
                     confidential=False, by=None)
    assert objects(app) == {}  # the request ended without a commit


def test_a_replaced_or_deleted_file_goes_with_the_commit(app, client, auth, item_id):
    auth.login("delegate")
    upload(client, item_id, PDF)
    attachment = only_attachment(app)
    replaced = client.post(f"/bijlagen/{attachment.id}/bestand", data={
        "file": (io.BytesIO(OTHER_PDF), "nieuw.pdf")}, content_type="multipart/form-data")
    assert replaced.status_code == 303
    new = only_attachment(app)
    assert objects(app) == {f"consult/{new.stored_name}": OTHER_PDF}
    with app.test_request_context():  # a deletion that is rolled back keeps the object
        storage.remove(new.stored_name)
        db.session.rollback()
    assert len(objects(app)) == 1
    assert client.post(f"/bijlagen/{new.id}/verwijderen").status_code == 303
    assert objects(app) == {}


def test_an_export_is_fetched_from_the_store(app, client, auth, item_id):
    auth.login("delegate")
    with app.app_context():
        meeting = db.session.get(AgendaItem, item_id).meeting
        job = exports.create_export(meeting, db.session.get(User, auth.users["delegate"]),
                                    ExportFormat.MARKDOWN)
        db.session.commit()
        job_id = job.id
        run_export_jobs()  # as the scheduler does
        key = db.session.get(ExportJob, job_id).stored_name
    data = objects(app)[f"consult/{key}"]
    assert data.startswith(b"#")
    assert client.get(f"/exports/{job_id}/bestand").data == data


@pytest.fixture
def empty_databases(tmp_path):
    """Makes empty databases of the kind under test; dropped afterwards."""
    drops = []

    def make(name: str) -> str:
        if TEST_DB != "postgresql":
            return f"sqlite:///{tmp_path / name}.db"
        url, drop = create_postgres_database()
        drops.append(drop)
        return url

    yield make
    for drop in drops:
        drop()


def test_backup_and_restore_carry_the_objects(app, item_id, tmp_path, s3_endpoint,
                                              empty_databases):
    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        key = store_upload(item, FileStorage(io.BytesIO(PDF), "a.pdf"), label="1a",
                           title="", confidential=False, by=None).stored_name
        db.session.commit()
    before = contents(app)
    result = run(app, "backup", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "backup" / "files" / key).read_bytes() == PDF

    config = {**s3_config(s3_endpoint, new_bucket(s3_endpoint)),
              "INSTANCE_PATH": str(tmp_path / "instance-b")}
    restored = make_app(empty_databases("restored"), tmp_path / "b", **config)
    result = run(restored, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert contents(restored) == before
    assert objects(restored) == {f"consult/{key}": PDF}
    with restored.app_context():
        assert storage.read(key) == PDF
        db.engine.dispose()

    # a store that already holds objects is refused, like a database with tables
    again = make_app(empty_databases("third"), tmp_path / "c", **config)
    result = run(again, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 1
    assert "De objectopslag (S3_BUCKET met S3_PREFIX) is niet leeg" in result.output
    with again.app_context():
        db.engine.dispose()
