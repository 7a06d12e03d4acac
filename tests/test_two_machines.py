"""More than one web machine: two real gunicorn processes with instance/ folders of their
own and one PostgreSQL database, as behind a load balancer. A file uploaded through one
downloads through the other; an export started on one is fetched from the other; neither
keeps a file in its instance folder. (Before the files moved into the database, the
download from the second machine was a 404.)"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from consult.accounts.services import set_password
from consult.exports.models import ExportJob, ExportStatus
from consult.extensions import db
from consult.meetings.models import Attachment
from tests.factories import make_body, make_meeting, make_user
from tests.test_mail_smtp import free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "twee-machines-1"
PDF = b"%PDF-1.4\n" + os.urandom(300_000) + b"\n%%EOF\n"
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
pytestmark = pytest.mark.postgres_only  # one database both machines reach


def machine_env(app, instance: Path) -> dict[str, str]:
    return {**os.environ,
           "CONSULT_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
           "CONSULT_INSTANCE_PATH": str(instance),
           # as before the store: each machine its folders (the tests' shared ones would
           # hide the problem)
           "CONSULT_ATTACHMENT_DIR": str(instance / "attachments"),
           "CONSULT_EXPORT_DIR": str(instance / "exports"),
           # every machine of an installation has the same key (sessions, links)
           "CONSULT_SECRET_KEY": "one-key-for-every-machine",
           "CONSULT_SESSION_COOKIE_SECURE": "false",
           "CONSULT_MAIL_FILE_DIR": str(instance / "mail")}


def start_machine(app, instance: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = machine_env(app, instance)
    instance.mkdir()
    log = instance / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "2", "wsgi:app"], cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"{base}/inloggen", timeout=10).status_code == 200:
                return process, base
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    raise AssertionError(f"{base} did not start: {log.read_text()[-2000:]}")


@pytest.fixture
def machines(app, tmp_path):
    started = []
    try:
        for name in ("machine-a", "machine-b"):
            started.append(start_machine(app, tmp_path / name))
        yield [base for _, base in started], [tmp_path / "machine-a", tmp_path / "machine-b"]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=10)


def csrf(page: str) -> dict[str, str]:
    return {"X-CSRFToken": CSRF.search(page).group(1)}


def test_a_file_and_an_export_from_one_machine_are_served_by_the_other(app, machines):
    (a, b), instances = machines
    with app.app_context():
        delegate = make_user("delegate", email="gedelegeerde@zeist.example.org")
        set_password(delegate, PASSWORD)
        meeting = make_meeting(make_body(delegates=[delegate]), items=1)
        db.session.commit()
        item_id, meeting_id = meeting.items[0].id, meeting.id

    browser = requests.Session()  # one cookie; the load balancer picks a machine per request
    login = browser.get(f"{a}/inloggen")
    answer = browser.post(f"{a}/inloggen/wachtwoord", headers=csrf(login.text), data={
        "pw-email": "gedelegeerde@zeist.example.org", "pw-password": PASSWORD})
    assert answer.status_code == 200 and "Uitloggen" in answer.text

    page = browser.get(f"{a}/agendapunten/{item_id}")
    uploaded = browser.post(f"{a}/agendapunten/{item_id}/bijlagen", headers=csrf(page.text),
                            data={"label": "1a", "title": "Begroting"},
                            files={"file": ("begroting.pdf", PDF, "application/pdf")})
    assert uploaded.status_code == 200, uploaded.text[:500]
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id).where(Attachment.label == "1a"))
    download = browser.get(f"{b}/bijlagen/{attachment_id}")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["Content-Type"] == "application/pdf"

    page = browser.get(f"{a}/vergaderingen/{meeting_id}/exporteren")
    started = browser.post(f"{a}/vergaderingen/{meeting_id}/exporteren", headers=csrf(page.text),
                           data={"format": "md"}, allow_redirects=False)
    assert started.status_code == 303
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])
    # Machine A's scheduler makes the export (exports are jobs of the scheduler's tick).
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "tick"],
                   cwd=ROOT, env=machine_env(app, instances[0]), check=True, timeout=120,
                   capture_output=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with app.app_context():
            if db.session.get(ExportJob, job_id).status == ExportStatus.DONE:
                break
        time.sleep(0.2)
    assert f"/exports/{job_id}/bestand" in browser.get(f"{b}/exports/{job_id}").text
    export = browser.get(f"{b}/exports/{job_id}/bestand")
    assert export.status_code == 200
    assert "attachment" in export.headers["Content-Disposition"]
    assert export.content.decode().startswith("#")
    assert export.content == browser.get(f"{a}/exports/{job_id}/bestand").content

    for instance in instances:  # the files live in the database, not on a machine
        assert not (instance / "attachments").exists() and not (instance / "exports").exists()
