"""A delegate exports the meeting's inbreng as DOCX: the progress swaps in by htmx
polling, then the download link appears."""

import io
import re
import time

import pytest
from docx import Document

from consult.exports import documents
from tests.e2e.conftest import login_with_password
from tests.test_exports import export_worker  # noqa: F401  (fixture: makes export jobs)

pytestmark = pytest.mark.e2e


@pytest.fixture
def slow_docx(monkeypatch):
    """A DOCX that takes a few seconds, so the progress is there to be seen."""
    build = documents.BUILDERS["docx"]

    def slow(minutes, progress=None):
        for percent in (20, 40, 60):
            if progress:
                progress(percent)
            time.sleep(0.7)
        return build(minutes, progress)

    monkeypatch.setitem(documents.BUILDERS, "docx", slow)


def test_delegate_exports_docx_with_progress(app, live_server, page, check_a11y, people, world,
                                             slow_docx, export_worker):  # noqa: F811
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url)
            if re.search(r"/exports/\d+$", request.url)
            and request.headers.get("hx-request") == "true" else None)
    login_with_password(page, live_server, people["delegate"])
    page.goto(f"{live_server}/vergaderingen/{world['meeting']}")
    page.get_by_role("link", name="Exporteren en versturen").click()
    page.get_by_role("heading", name=re.compile("Exporteren en versturen")).wait_for()
    export_url = page.url
    check_a11y(page, "export page")

    page.get_by_label("Word-document (DOCX)").check()
    page.get_by_role("button", name="Exporteren", exact=True).click()
    progress = page.locator("#export-status progress")
    progress.wait_for()
    check_a11y(page, "export in progress")
    link = page.get_by_role("link", name=re.compile(r"inbreng-tf-.*\.docx downloaden"))
    link.wait_for(timeout=20_000)
    assert page.url == export_url  # swapped in place, no page load
    assert polls, "the progress was not polled"
    assert not progress.count()
    check_a11y(page, "export done")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    with open(download.path(), "rb") as file:
        document = Document(io.BytesIO(file.read()))
    assert document.paragraphs[0].style.name == "Heading 1"
    assert "1. Agendapunt 1" in [p.text for p in document.paragraphs]
    assert page.console_errors == []
