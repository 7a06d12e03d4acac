"""Exports of a meeting's inbreng (DOCX, PDF, Markdown, CSV), the export job with its
progress page, and sending to the secretariat."""

import copy
import csv
import io
import re
import threading
from datetime import timedelta

import pytest
from docx import Document
from markdown_it import MarkdownIt
from pypdf import PdfReader

from consult import storage
from consult.accounts.models import Organisation, User
from consult.comments.models import Comment, CommentKind, Mark, OnBehalf
from consult.database import utcnow
from consult.exports import documents, layout, services
from consult.exports.blocks import plain_blocks
from consult.exports.jobs import GAVE_UP, claim_next_job, run_export_jobs
from consult.exports.layout import Label, Paragraph, Section, Text, minutes_layout
from consult.exports.markdown import markdown_text, render_md
from consult.exports.minutes import Minutes, collect_minutes
from consult.exports.models import ExportFormat, ExportJob, ExportStatus
from consult.exports.word import render_docx
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.meetings.models import Attachment, Meeting, MeetingChange
from consult.statements.models import Outcome, Statement, StatementRevision, StatementStatus
from consult.storage import StoredFile
from consult.ticks import SchedulerTick
from tests.factories import make_user

XSS = ("<script>alert(1)</script> en <img src=x onerror=alert(1)> en "
       "[klik](javascript:alert(1))")
EDGE = ("***beide*** en **vet *schuin* vet** en **niet gesloten\n\n"
        "Punten:\n- een\n- twee\n\n"
        + "x" * 120 + "\n\nDuim 👍🏽 en שלום עולם en مرحبا")
COMMONMARK = MarkdownIt("commonmark", {"html": True})
STATEMENT_1 = "Wij steunen het voorstel **van harte**.\n\n- eerste punt\n- tweede punt"
STATEMENT_2 = "Twee zorgen:\n\n1. de planning\n2. de kosten"


def give_statement(item, author_id: int, text: str,
                   status: StatementStatus = StatementStatus.FINAL) -> Statement:
    statement = Statement(item=item, status=status)
    db.session.add(statement)
    db.session.flush()
    revision = StatementRevision(statement_id=statement.id, number=1, text=text,
                                 author_id=author_id)
    db.session.add(revision)
    db.session.flush()
    statement.current_revision = revision
    return statement


@pytest.fixture
def minutes_world(app, world, users):
    """The world's meeting with: item 1 a final statement (bold, bullet list) and an
    outcome, item 2 a concept statement (numbered list), item 3 withdrawn without one;
    three inputs, two marked, one of them starting with "="."""
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        first, second, third = meeting.items
        first.presenter = "Koen"
        third.withdrawn_at = utcnow()
        third.withdrawn_reason = "Schuift door naar de volgende vergadering."
        second.attachments.append(Attachment(label="2a", title="Planning 2027"))
        give_statement(first, users["delegate"], STATEMENT_1)
        give_statement(second, users["delegate"], STATEMENT_2, StatementStatus.DRAFT)
        db.session.add(Outcome(item=first, text="De TF neemt de inbreng **over**.",
                               recorded_by_id=users["delegate"]))
        member = db.session.get(User, users["member"])
        chair = db.session.get(User, users["chair"])
        other = make_user(name="Bram de Boer", municipality="Urk", organisation=Organisation.IMG)
        db.session.add_all([
            Comment(item=first, author=member, kind=CommentKind.INPUT,
                    text="Graag meer aandacht voor kleine gemeenten.", mark=Mark.USED),
            Comment(item=first, author=chair, kind=CommentKind.CONCERN, on_behalf=OnBehalf.REGION,
                    text="=HYPERLINK(\"http://evil.example\")", mark=Mark.NOT_USED,
                    mark_reason="Buiten de scope", late=True),
            Comment(item=second, author=other, kind=CommentKind.QUESTION,
                    text="Wat kost het?", entered_by_id=users["delegate"]),
            Comment(item=second, author=member, text="Ingetrokken tekst", withdrawn_at=utcnow()),
        ])
        db.session.commit()
    return world


def first_statement(meeting: Meeting) -> Statement:
    return db.session.scalar(db.select(Statement).where(
        Statement.item_id == meeting.items[0].id))


def minutes_for(app, meeting_id: int, **options) -> Minutes:
    with app.app_context():
        return collect_minutes(db.session.get(Meeting, meeting_id), **options)


def build(app, kind: str, minutes: Minutes) -> bytes:
    with app.app_context():
        return documents.BUILDERS[kind](minutes)


def docx_paragraphs(data: bytes) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in Document(io.BytesIO(data)).paragraphs]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def assert_in_order(text: str, parts: list[str]) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} not found (in order) in {text!r}"
        position = found + len(part)


IN_ORDER = [
    "1. Agendapunt 1", "Ter bespreking", "Toelichting: Koen", "1a Bijlage", "1c Nog te uploaden",
    "Inbreng VIAG/IMG+CIO:", "Wij steunen het voorstel", "van harte", "eerste punt",
    "tweede punt", "Bespreking TF:", "De TF neemt de inbreng", "over",
    "2. Agendapunt 2", "2a Planning 2027", "Inbreng VIAG/IMG+CIO (concept):", "Twee zorgen",
    "de planning", "de kosten",
    "3. Agendapunt 3 (gaat van de agenda)", "Schuift door", "Inbreng VIAG/IMG+CIO: Geen inbreng.",
]


# --- documents --------------------------------------------------------------------

def test_docx_has_items_labels_and_statements_in_order(app, minutes_world):
    data = build(app, "docx", minutes_for(app, minutes_world["meeting"]))
    paragraphs = docx_paragraphs(data)
    assert paragraphs[0][0] == "Heading 1"
    assert paragraphs[0][1].startswith("Taskforce Samen Organiseren, ")
    headings = [text for style, text in paragraphs if style == "Heading 2"]
    assert headings == ["1. Agendapunt 1", "2. Agendapunt 2",
                        "3. Agendapunt 3 (gaat van de agenda)"]
    assert_in_order("\n".join(text for _, text in paragraphs), IN_ORDER)
    styles = dict((text, style) for style, text in paragraphs)
    assert styles["eerste punt"] == styles["tweede punt"] == "List Bullet"
    assert styles["de planning"] == styles["de kosten"] == "List Number"
    assert styles["Wij steunen het voorstel van harte."] == "Normal"
    document = Document(io.BytesIO(data))
    statement = next(p for p in document.paragraphs if p.text.startswith("Wij steunen"))
    assert [(r.text, bool(r.bold)) for r in statement.runs] == [
        ("Wij steunen het voorstel ", False), ("van harte", True), (".", False)]
    label = next(p for p in document.paragraphs if p.text == "Inbreng VIAG/IMG+CIO:")
    assert label.runs[0].bold


def test_docx_numbered_lists_each_start_at_one(app, minutes_world):
    with app.app_context():
        meeting = db.session.get(Meeting, minutes_world["meeting"])
        statement = first_statement(meeting)
        statement.current_revision.text = "1. a\n2. b\n\nTussendoor.\n\n1. c\n2. d"
        db.session.commit()
    document = Document(io.BytesIO(build(app, "docx", minutes_for(app, minutes_world["meeting"]))))

    def num_id(text):
        paragraph = next(p for p in document.paragraphs if p.text == text)
        return paragraph._p.pPr.numPr.numId.val

    assert num_id("a") == num_id("b")
    assert num_id("c") == num_id("d") != num_id("a")
    assert num_id("de planning") not in (num_id("a"), num_id("c"))


def test_pdf_text_has_items_labels_and_statements_in_order(app, minutes_world):
    data = build(app, "pdf", minutes_for(app, minutes_world["meeting"]))
    assert data.startswith(b"%PDF-")
    text = " ".join(pdf_text(data).split())
    assert_in_order(text, [part for part in IN_ORDER])


def test_markdown_has_items_labels_and_statements_in_order(app, minutes_world):
    text = build(app, "md", minutes_for(app, minutes_world["meeting"])).decode()
    assert text.startswith("# Taskforce Samen Organiseren, ")
    assert_in_order(text, [
        "## 1. Agendapunt 1", "Ter bespreking · Toelichting: Koen", "**Bijlagen:**",
        "- 1a Bijlage", "**Inbreng VIAG/IMG+CIO:**", "Wij steunen het voorstel **van harte**.",
        "- eerste punt\n- tweede punt", "**Bespreking TF:**", "De TF neemt de inbreng **over**.",
        "## 2. Agendapunt 2", "**Inbreng VIAG/IMG+CIO (concept):**",
        "1. de planning\n2. de kosten", "## 3. Agendapunt 3 (gaat van de agenda)",
        "**Inbreng VIAG/IMG+CIO:** Geen inbreng.",
    ])


def test_user_text_comes_out_as_text(app, minutes_world):
    with app.app_context():
        meeting = db.session.get(Meeting, minutes_world["meeting"])
        statement = first_statement(meeting)
        statement.current_revision.text = f"{XSS}\n\n{EDGE}"
        meeting.items[0].title = "<b>Titel</b> & co"
        db.session.commit()
    minutes = minutes_for(app, minutes_world["meeting"])
    literal = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
               "[klik](javascript:alert(1))", "beide", "vet schuin vet", "**niet gesloten",
               "Punten:", "een", "twee", "x" * 120, "👍🏽", "שלום עולם", "مرحبا"]

    document = Document(io.BytesIO(build(app, "docx", minutes)))
    docx_text = "\n".join(p.text for p in document.paragraphs)
    for part in [*literal, "1. <b>Titel</b> & co"]:
        assert part in docx_text
    styles = {p.text: p.style.name for p in document.paragraphs}
    assert styles["Punten:"] == "Normal" and styles["een"] == "List Bullet"
    both = next(p for p in document.paragraphs if p.text.startswith("beide"))
    assert (both.runs[0].bold, both.runs[0].italic) == (True, True)

    with app.app_context():
        html = documents.minutes_html(minutes)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", html, re.IGNORECASE)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "👍🏽" in html and "שלום עולם" in html

    # No installed font has emoji: the PDF shows a box there, and pypdf then cannot read
    # that font's text back, so the PDF is checked without the emoji.
    without_emoji = copy.deepcopy(minutes)
    without_emoji.items[0].statement = minutes.items[0].statement.replace("👍🏽", "")
    pdf = " ".join(pdf_text(build(app, "pdf", without_emoji)).split())
    for part in ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                 "[klik](javascript:alert(1))", "**niet gesloten", "<b>Titel</b> & co",
                 "שלום עולם", "مرحبا", "vet schuin vet"]:
        assert part in pdf
    assert "x" * 40 in pdf  # the very long word wraps, but is there

    markdown = build(app, "md", minutes).decode()
    for part in ["👍🏽", "שלום עולם", "مرحبا", "x" * 120]:
        assert part in markdown
    # Read by any CommonMark reader, even one that lets HTML through, it is the same
    # text again: never HTML or a link.
    reread = COMMONMARK.render(markdown)
    assert "<script" not in reread and "<img" not in reread and "<b>" not in reread
    assert "<a " not in reread
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reread
    assert "&lt;img src=x onerror=alert(1)&gt;" in reread
    assert "[klik](javascript:alert(1))" in reread
    assert "&lt;b&gt;Titel&lt;/b&gt; &amp; co" in reread
    assert "**niet gesloten" in reread


# --- one layout, every format ------------------------------------------------------

def docx_text(data: bytes) -> str:
    return "\n".join(text for _, text in docx_paragraphs(data))


def format_texts(app, minutes: Minutes) -> dict[str, str]:
    """The text of the minutes in each of the three document formats."""
    return {"docx": docx_text(build(app, "docx", minutes)),
            "md": build(app, "md", minutes).decode(),
            "pdf": " ".join(pdf_text(build(app, "pdf", minutes)).split())}


def test_every_format_has_the_sections_of_the_layout_in_order(app, minutes_world):
    minutes = minutes_for(app, minutes_world["meeting"], with_inputs=True)
    sections = [(s.level, s.heading) for s in minutes_layout(minutes).sections]
    assert [heading for _, heading in sections][-4:] == [
        "Bijlage: alle inbreng", "1. Agendapunt 1", "2. Agendapunt 2",
        "3. Agendapunt 3 (gaat van de agenda)"]

    paragraphs = docx_paragraphs(build(app, "docx", minutes))
    assert [(int(style[-1]), text) for style, text in paragraphs
            if style.startswith("Heading")] == sections
    markdown = build(app, "md", minutes).decode()
    assert [(len(m[1]), m[2]) for m in re.finditer(r"^(#+) (.*)$", markdown, re.M)] == sections
    with app.app_context():
        html = documents.minutes_html(minutes)
    assert [(int(level), text) for level, text in
            re.findall(r"<h([12])>(.*?)</h[12]>", html)] == sections
    pdf = " ".join(pdf_text(build(app, "pdf", minutes)).split())
    assert_in_order(pdf, [heading for _, heading in sections])


def test_a_changed_statement_and_outcome_show_in_every_format(app, minutes_world):
    with app.app_context():
        meeting = db.session.get(Meeting, minutes_world["meeting"])
        statement = first_statement(meeting)
        statement.current_revision.text = "Een **nieuwe** inbreng."
        statement.status = StatementStatus.DRAFT
        outcome = db.session.scalar(db.select(Outcome).where(
            Outcome.item_id == meeting.items[0].id))
        outcome.text = "De TF kiest een andere weg."
        db.session.commit()
    for kind, text in format_texts(app, minutes_for(app, minutes_world["meeting"])).items():
        new = "Een **nieuwe** inbreng." if kind == "md" else "Een nieuwe inbreng."
        assert_in_order(text, ["1. Agendapunt 1", "Inbreng VIAG/IMG+CIO (concept):", new,
                               "Bespreking TF:", "De TF kiest een andere weg.",
                               "2. Agendapunt 2"])
        assert "Wij steunen" not in text and "neemt de inbreng" not in text, kind


def test_a_change_to_the_layout_shows_in_every_format(app, minutes_world):
    """The renderers only walk the layout: a part or section added there is in all."""
    document = minutes_layout(minutes_for(app, minutes_world["meeting"]))
    document.sections[1].parts.insert(0, Paragraph("Een nieuwe regel"))
    document.sections.append(Section("4. Rondvraag", parts=[
        Label("Let op:"), Text("Alleen *korte* vragen.")]))
    with app.app_context():
        texts = {"docx": docx_text(render_docx(document)),
                 "md": render_md(document).decode(),
                 "pdf": " ".join(pdf_text(documents.render_pdf(document)).split())}
    for kind, text in texts.items():
        short = "*korte*" if kind == "md" else "korte"
        assert_in_order(text, ["1. Agendapunt 1", "Een nieuwe regel", "Ter bespreking",
                               "3. Agendapunt 3", "4. Rondvraag", "Let op:",
                               f"Alleen {short} vragen."])


def test_markdown_escapes_what_would_become_markup():
    blocks = plain_blocks("# geen kop\n- geen lijst\n1. geen nummer\n*geen* _nadruk_")
    html = COMMONMARK.render(markdown_text(blocks))
    assert "<ul>" not in html and "<ol>" not in html and "<em>" not in html
    assert "# geen kop" in html and "- geen lijst" in html and "1. geen nummer" in html


def test_appendix_with_and_without_names(app, minutes_world):
    with_names = minutes_for(app, minutes_world["meeting"], with_inputs=True)
    without = minutes_for(app, minutes_world["meeting"], with_inputs=True, with_names=False)
    names = ["Anouk Smit", "Pieter Bakker", "Bram de Boer", "Urk"]
    for kind in ("docx", "md", "pdf"):
        data = build(app, kind, with_names)
        text = {"docx": lambda d: "\n".join(t for _, t in docx_paragraphs(d)),
                "md": bytes.decode, "pdf": lambda d: " ".join(pdf_text(d).split())}[kind](data)
        assert_in_order(text, ["Bijlage: alle inbreng", "1. Agendapunt 1", "Inbreng",
                               "Anouk Smit (Zeist, VIAG)", "Graag meer aandacht",
                               "Zorg (te laat)", "Pieter Bakker", "namens regio Noord",
                               "2. Agendapunt 2", "Vraag", "Bram de Boer (Urk, IMG)",
                               "Wat kost het?", "3. Agendapunt 3", "Geen inbreng ontvangen."])
        assert "Ingetrokken tekst" not in text

        data = build(app, kind, without)
        text = {"docx": lambda d: "\n".join(t for _, t in docx_paragraphs(d)),
                "md": bytes.decode, "pdf": lambda d: " ".join(pdf_text(d).split())}[kind](data)
        assert "Graag meer aandacht" in text and "Wat kost het?" in text
        for name in [*names, "Zeist", "regio Noord"]:
            assert name not in text, (kind, name)
    plain = build(app, "docx", minutes_for(app, minutes_world["meeting"]))
    assert "Bijlage: alle inbreng" not in "\n".join(t for _, t in docx_paragraphs(plain))


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_csv_has_all_input_with_marks(app, minutes_world):
    rows = read_csv(build(app, "csv", minutes_for(app, minutes_world["meeting"],
                                                  with_inputs=True)))
    assert rows[0] == ["Punt", "Titel agendapunt", "Soort", "Tekst", "Auteur", "Gemeente",
                       "Organisatie", "Regio", "Namens", "Te laat", "Ingevoerd door",
                       "Markering", "Reden markering", "Ingediend op"]
    assert len(rows) == 4  # the withdrawn input is left out
    anouk, pieter, bram = rows[1:]
    assert anouk[:9] == ["1", "Agendapunt 1", "Inbreng", "Graag meer aandacht voor kleine "
                         "gemeenten.", "Anouk Smit", "Zeist", "VIAG", "Noord",
                         "op persoonlijke titel"]
    assert anouk[9:13] == ["nee", "", "verwerkt", ""]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", anouk[13])
    assert pieter[3] == "'=HYPERLINK(\"http://evil.example\")"
    assert pieter[8:13] == ["namens regio Noord", "ja", "", "niet overgenomen",
                            "Buiten de scope"]
    assert bram[4] == "Bram de Boer" and bram[10] == "Mirjam Kok" and bram[11] == ""


def test_csv_neutralises_every_formula_start(app):
    for text in ("=1+1", "+31 6", "-2", "@SUM(A1)", "\tx"):
        assert documents.neutralise(text) == "'" + text
    assert documents.neutralise("gewoon") == "gewoon"


def test_csv_without_names(app, minutes_world):
    rows = read_csv(build(app, "csv", minutes_for(app, minutes_world["meeting"],
                                                  with_inputs=True, with_names=False)))
    for row in rows[1:]:
        assert row[4:8] == ["", "", "", ""] and row[10] == ""
    assert rows[2][8] == "namens de regio"


# --- the export job ---------------------------------------------------------------

@pytest.fixture
def export_worker(app):
    """For browser tests: a thread that does what the scheduler's tick does with export
    jobs, every 0.2 s, until the test ends (the scheduler process's step, in-process)."""
    stopped = threading.Event()

    def work():
        with app.app_context():
            while not stopped.wait(0.2):
                run_export_jobs()
                db.session.remove()

    thread = threading.Thread(target=work, name="export-worker", daemon=True)
    thread.start()
    yield thread
    stopped.set()
    thread.join(timeout=60)
    assert not thread.is_alive()


def run_job(app, job_id: int) -> ExportJob:
    """What the scheduler's tick does with queued exports (exports.jobs), then the job."""
    with app.app_context():
        run_export_jobs()
        job = db.session.get(ExportJob, job_id)
        db.session.expunge(job)
        return job


def only_job_id(app) -> int:
    with app.app_context():
        return db.session.scalars(db.select(ExportJob.id).order_by(ExportJob.id.desc())).first()


def test_export_job_flow(app, client, auth, minutes_world):
    auth.login("delegate")
    page = client.get(f"/vergaderingen/{minutes_world['meeting']}/exporteren")
    assert page.status_code == 200
    assert 'name="format"' in page.text and "Naar het secretariaat sturen" in page.text

    response = client.post(f"/vergaderingen/{minutes_world['meeting']}/exporteren",
                           data={"format": "docx", "with_appendix": "y", "with_names": "y"})
    assert response.status_code == 303
    job_id = only_job_id(app)
    assert response.headers["Location"] == f"/exports/{job_id}"
    job = run_job(app, job_id)
    assert job.status == ExportStatus.DONE and job.progress == 100

    page = client.get(f"/exports/{job_id}")
    assert 'hx-trigger="every 1s"' not in page.text
    assert f'href="/exports/{job_id}/bestand"' in page.text
    assert re.fullmatch(r"inbreng-tf-\d{4}-\d\d-\d\d-met-bijlage\.docx", job.filename)

    download = client.get(f"/exports/{job_id}/bestand")
    assert download.status_code == 200
    assert download.mimetype == documents.MIME_TYPES["docx"]
    assert download.headers["Content-Disposition"] == f"attachment; filename={job.filename}"
    texts = [text for _, text in docx_paragraphs(download.data)]
    assert "Bijlage: alle inbreng" in texts and "Wij steunen het voorstel van harte." in texts


@pytest.mark.parametrize(("export_format", "mimetype", "start"), [
    ("pdf", "application/pdf", b"%PDF-"), ("md", "text/markdown", b"# Taskforce"),
    ("csv", "text/csv", b"\xef\xbb\xbfPunt;")])
def test_export_formats_download(app, client, auth, minutes_world,
                                 export_format, mimetype, start):
    auth.login("admin")
    client.post(f"/vergaderingen/{minutes_world['meeting']}/exporteren",
                data={"format": export_format})
    job = run_job(app, only_job_id(app))
    download = client.get(f"/exports/{job.id}/bestand")
    assert download.mimetype == mimetype and download.data.startswith(start)
    assert job.filename.endswith(f".{export_format}")


def test_htmx_start_returns_the_polling_fragment(app, client, auth, minutes_world):
    auth.login("delegate")
    response = client.post(f"/vergaderingen/{minutes_world['meeting']}/exporteren",
                           data={"format": "md"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    job_id = only_job_id(app)
    assert f'id="export-{job_id}"' in response.text
    assert "HX-Request" in response.headers["Vary"]
    run_job(app, job_id)


def test_polling_shows_progress_then_the_link(app, client, auth, minutes_world):
    """The job is run by hand here, so each state can be looked at."""
    with app.app_context():
        job = ExportJob(meeting_id=minutes_world["meeting"], user_id=minutes_world["member"],
                        format=ExportFormat.MARKDOWN)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    auth.login("delegate")
    htmx = {"HX-Request": "true"}

    fragment = client.get(f"/exports/{job_id}", headers=htmx).text
    assert "<html" not in fragment and 'hx-trigger="every 1s"' in fragment
    assert "wacht op zijn beurt" in fragment and 'aria-busy="true"' in fragment

    with app.app_context():
        services.set_progress(job_id, 40, status=ExportStatus.RUNNING)
    fragment = client.get(f"/exports/{job_id}", headers=htmx).text
    assert 'hx-trigger="every 1s"' in fragment and "(40%)" in fragment
    assert 'value="40"' in fragment
    assert client.get(f"/exports/{job_id}/bestand").status_code == 404

    with app.app_context():
        db.session.execute(db.update(ExportJob).values(status=ExportStatus.QUEUED))
        db.session.commit()
    run_job(app, job_id)
    fragment = client.get(f"/exports/{job_id}", headers=htmx).text
    assert 'hx-trigger' not in fragment and f"/exports/{job_id}/bestand" in fragment
    assert "aria-busy" not in fragment
    page = client.get(f"/exports/{job_id}").text
    assert 'role="status"' in page and 'aria-live="polite"' in page and "<html" in page


def test_failed_job_shows_a_dutch_error(app, client, auth, minutes_world, monkeypatch):
    def broken(minutes, progress=None):
        raise RuntimeError("kapot")

    monkeypatch.setitem(documents.BUILDERS, "pdf", broken)
    with app.app_context():
        job = ExportJob(meeting_id=minutes_world["meeting"], user_id=minutes_world["member"],
                        format=ExportFormat.PDF)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    run_job(app, job_id)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        assert job.status == ExportStatus.FAILED and job.stored_name is None
    auth.login("delegate")
    page = client.get(f"/exports/{job_id}").text
    assert "De export is mislukt." in page and "hx-trigger" not in page
    assert "kapot" not in page


def test_a_job_whose_thread_is_gone_stops_polling(app, client, auth, minutes_world):
    with app.app_context():
        job = ExportJob(meeting_id=minutes_world["meeting"], user_id=minutes_world["member"],
                        format=ExportFormat.PDF, status=ExportStatus.RUNNING,
                        created_at=utcnow() - timedelta(hours=1))
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    auth.login("delegate")
    page = client.get(f"/exports/{job_id}").text
    assert "hx-trigger" not in page and "niet afgerond" in page


def test_the_request_only_writes_the_job(app, client, auth, minutes_world):
    """No thread in the web process: the job waits, queued, for the scheduler's tick."""
    auth.login("delegate")
    client.post(f"/vergaderingen/{minutes_world['meeting']}/exporteren", data={"format": "md"})
    job_id = only_job_id(app)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        assert job.status == ExportStatus.QUEUED and job.attempts == 0 and job.send_note is None
    assert "wacht op zijn beurt" in client.get(f"/exports/{job_id}").text
    assert run_job(app, job_id).status == ExportStatus.DONE


def test_a_job_no_scheduler_takes_says_so(app, client, auth, minutes_world):
    with app.app_context():
        job = ExportJob(meeting_id=minutes_world["meeting"], user_id=minutes_world["member"],
                        format=ExportFormat.PDF, created_at=utcnow() - timedelta(minutes=11))
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    auth.login("delegate")
    # The scheduler runs (it was seen a minute ago): the page waits for it, polling.
    with app.app_context():
        db.session.add(SchedulerTick(seen_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    page = client.get(f"/exports/{job_id}").text
    assert 'hx-trigger="every 1s"' in page and "wacht op zijn beurt" in page
    with app.app_context():  # no sign of it for longer than three intervals
        db.session.execute(db.update(SchedulerTick).values(
            seen_at=utcnow() - timedelta(minutes=4)))
        db.session.commit()
    page = client.get(f"/exports/{job_id}").text
    assert "hx-trigger" not in page and "de achtergrondverwerking draait niet" in page


def stuck_job(app, minutes_world, attempts: int) -> int:
    """A job whose process died while making it: running, its claim 6 minutes old."""
    with app.app_context():
        job = ExportJob(meeting_id=minutes_world["meeting"], user_id=minutes_world["member"],
                        format=ExportFormat.MARKDOWN, status=ExportStatus.RUNNING,
                        progress=40, attempts=attempts,
                        claimed_at=utcnow() - timedelta(minutes=6))
        db.session.add(job)
        db.session.commit()
        return job.id


def test_a_job_whose_process_died_is_made_again(app, client, auth, minutes_world):
    job_id = stuck_job(app, minutes_world, attempts=1)
    auth.login("delegate")
    page = client.get(f"/exports/{job_id}").text  # until a tick takes it up
    assert "hx-trigger" not in page and "niet afgerond" in page
    job = run_job(app, job_id)
    assert job.status == ExportStatus.DONE and job.attempts == 2 and job.stored_name


def test_a_job_that_keeps_dying_fails_visibly(app, client, auth, minutes_world):
    job_id = stuck_job(app, minutes_world, attempts=app.config["EXPORT_MAX_ATTEMPTS"])
    job = run_job(app, job_id)
    assert job.status == ExportStatus.FAILED and job.stored_name is None
    assert job.error == GAVE_UP.format(tries=3)
    auth.login("delegate")
    page = client.get(f"/exports/{job_id}").text
    assert "3 keer afgebroken" in page and "hx-trigger" not in page


def test_a_fresh_claim_is_not_taken_over(app, minutes_world):
    with app.app_context():
        db.session.execute(db.delete(ExportJob))
        job = ExportJob(meeting_id=minutes_world["meeting"], user_id=minutes_world["member"],
                        format=ExportFormat.MARKDOWN)
        db.session.add(job)
        db.session.commit()
        job_id, attempt = claim_next_job()
        assert claim_next_job() is None  # claimed: no second process takes it
        assert run_export_jobs() == {}
        job = db.session.get(ExportJob, job_id, populate_existing=True)
        assert job.status == ExportStatus.RUNNING and job.attempts == attempt == 1


def test_a_run_that_lost_its_claim_keeps_nothing(app, with_secretariat):
    """Taken over by another process (this one was thought dead): no file, no mail."""
    with app.app_context():
        db.session.execute(db.delete(ExportJob))
        files_before = db.session.scalar(db.select(db.func.count()).select_from(StoredFile))
        meeting = db.session.get(Meeting, with_secretariat["meeting"])
        services.create_sending(meeting, meeting.body.delegates[0], note="")
        db.session.commit()
        job_id, attempt = claim_next_job()
        db.session.execute(db.update(ExportJob).values(attempts=attempt + 1))
        db.session.commit()
        assert services.build_job(job_id, attempt) is False
        job = db.session.get(ExportJob, job_id, populate_existing=True)
        assert job.status == ExportStatus.RUNNING and job.stored_name is None
    assert secretariat_messages(app) == [] and sent_log(app, with_secretariat["meeting"]) == []
    with app.app_context():  # the file of the lost run was rolled back with the rest
        assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == files_before


def test_old_files_are_removed_when_a_new_job_starts(app, client, auth, minutes_world):
    auth.login("delegate")
    client.post(f"/vergaderingen/{minutes_world['meeting']}/exporteren", data={"format": "md"})
    old = run_job(app, only_job_id(app))
    with app.app_context():
        key = old.stored_name
        assert storage.read(key) == client.get(f"/exports/{old.id}/bestand").data
        db.session.execute(db.update(ExportJob).where(ExportJob.id == old.id)
                           .values(created_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    client.post(f"/vergaderingen/{minutes_world['meeting']}/exporteren", data={"format": "md"})
    run_job(app, only_job_id(app))
    with app.app_context():
        assert not storage.has(key)
    response = client.get(f"/exports/{old.id}/bestand")
    assert response.status_code == 410 and "na een dag" in response.text
    assert "niet meer beschikbaar" in client.get(f"/exports/{old.id}").text


def test_invalid_format_is_refused(app, client, auth, minutes_world):
    auth.login("delegate")
    url = f"/vergaderingen/{minutes_world['meeting']}/exporteren"
    response = client.post(url, data={"format": "exe"})
    assert response.status_code == 422 and "Kies een bestandsformaat" in response.text
    response = client.post(url, data={}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "<html" not in response.text
    assert "Kies een bestandsformaat" in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ExportJob.id))) == 1  # the world's


@pytest.mark.parametrize("role", ["member", "chair", "other_delegate"])
def test_only_the_bodys_delegates_and_admins_export(app, client, auth, minutes_world, role):
    auth.login(role)
    meeting, job = minutes_world["meeting"], minutes_world["export_job"]
    assert client.get(f"/vergaderingen/{meeting}/exporteren").status_code == 403
    assert client.post(f"/vergaderingen/{meeting}/exporteren",
                       data={"format": "docx"}).status_code == 403
    assert client.get(f"/exports/{job}").status_code == 403
    assert client.get(f"/exports/{job}/bestand").status_code == 403
    assert client.post(f"/vergaderingen/{meeting}/naar-secretariaat").status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ExportJob.id))) == 1


def test_anonymous_is_sent_to_login(client, minutes_world):
    for method, path in [("GET", f"/vergaderingen/{minutes_world['meeting']}/exporteren"),
                         ("GET", f"/exports/{minutes_world['export_job']}"),
                         ("GET", f"/exports/{minutes_world['export_job']}/bestand")]:
        response = client.open(path, method=method)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/inloggen?next=")


def test_the_meeting_page_links_managers_to_the_export(client, auth, minutes_world):
    auth.login("delegate")
    page = client.get(f"/vergaderingen/{minutes_world['meeting']}").text
    assert f'href="/vergaderingen/{minutes_world["meeting"]}/exporteren"' in page
    auth.login("member")
    page = client.get(f"/vergaderingen/{minutes_world['meeting']}").text
    assert "Exporteren en versturen" not in page


# --- sending to the secretariat ----------------------------------------------------

@pytest.fixture
def with_secretariat(app, minutes_world):
    with app.app_context():
        meeting = db.session.get(Meeting, minutes_world["meeting"])
        meeting.body.secretariat_email = "secretariaat@vng.example.nl"
        db.session.commit()
    return minutes_world


def secretariat_messages(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = db.session.scalars(db.select(OutboxMessage).where(
            OutboxMessage.kind == "secretariat").order_by(OutboxMessage.id)).all()
        for message in messages:
            message.attachments  # noqa: B018  (loaded before the session goes)
            db.session.expunge(message)
        return messages


def sent_log(app, meeting_id: int) -> list[MeetingChange]:
    with app.app_context():
        return db.session.scalars(db.select(MeetingChange).where(
            MeetingChange.meeting_id == meeting_id,
            MeetingChange.action == "naar secretariaat gestuurd")).all()


def test_send_to_secretariat(app, client, auth, users, with_secretariat):
    auth.login("delegate")
    meeting = with_secretariat["meeting"]
    response = client.post(f"/vergaderingen/{meeting}/naar-secretariaat",
                           data={"note": "Ik kan er helaas niet bij zijn."})
    assert response.status_code == 303
    job_id = only_job_id(app)
    assert response.headers["Location"] == f"/exports/{job_id}?versturen=1"
    assert run_job(app, job_id).status == ExportStatus.DONE

    [message] = secretariat_messages(app)
    assert message.recipient == "secretariaat@vng.example.nl"
    assert message.subject.startswith("Inbreng VIAG/IMG+CIO – Taskforce Samen Organiseren, ")
    assert "Ik kan er helaas niet bij zijn." in message.body_text
    assert "Mirjam Kok" in message.body_text
    assert message.meeting_id == meeting
    assert [(a.content_type, a.filename.rsplit(".", 1)[1]) for a in message.attachments] == [
        (documents.MIME_TYPES["docx"], "docx"), ("application/pdf", "pdf")]
    docx_texts = [text for _, text in docx_paragraphs(message.attachments[0].data)]
    assert "Wij steunen het voorstel van harte." in docx_texts
    assert "Wij steunen het voorstel" in pdf_text(message.attachments[1].data)
    [change] = sent_log(app, meeting)
    assert change.note == "aan secretariaat@vng.example.nl"
    assert change.user_id == users["delegate"]
    page = client.get(f"/exports/{job_id}").text
    assert "De e-mail aan het secretariaat (secretariaat@vng.example.nl)" in page
    assert "naar secretariaat gestuurd" in client.get(f"/vergaderingen/{meeting}").text

    # Sending again queues a second message (with htmx: the polling fragment answers).
    response = client.post(f"/vergaderingen/{meeting}/naar-secretariaat",
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    second = only_job_id(app)
    assert f'id="export-{second}"' in response.text
    run_job(app, second)
    assert "De e-mail aan het secretariaat" in client.get(
        f"/exports/{second}", headers={"HX-Request": "true"}).text
    assert len(secretariat_messages(app)) == 2
    assert len(sent_log(app, meeting)) == 2


def test_a_plain_export_does_not_send(app, client, auth, with_secretariat):
    auth.login("delegate")
    client.post(f"/vergaderingen/{with_secretariat['meeting']}/exporteren",
                data={"format": "pdf"})
    run_job(app, only_job_id(app))
    assert secretariat_messages(app) == []
    assert sent_log(app, with_secretariat["meeting"]) == []


def test_no_secretariat_address_queues_nothing(app, client, auth, minutes_world):
    auth.login("delegate")
    meeting = minutes_world["meeting"]
    before = only_job_id(app)
    page = client.get(f"/vergaderingen/{meeting}/exporteren").text
    assert "geen e-mailadres van het secretariaat" in page
    response = client.post(f"/vergaderingen/{meeting}/naar-secretariaat", data={"note": "x"})
    assert response.status_code == 422
    assert "geen e-mailadres van het secretariaat ingesteld" in response.text
    assert only_job_id(app) == before  # no job written
    assert secretariat_messages(app) == [] and sent_log(app, meeting) == []


def test_address_removed_before_the_job_runs(app, with_secretariat):
    """The job checks again: a clear message, nothing queued or logged."""
    with app.app_context():
        meeting = db.session.get(Meeting, with_secretariat["meeting"])
        job = services.create_sending(meeting, db.session.get(User, meeting.body.delegates[0].id))
        meeting.body.secretariat_email = ""
        db.session.commit()
        job_id = job.id
    run_job(app, job_id)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        assert job.status == ExportStatus.FAILED
        assert "geen e-mailadres van het secretariaat" in job.error
    assert secretariat_messages(app) == [] and sent_log(app, with_secretariat["meeting"]) == []


def test_an_item_asking_no_input_prints_no_missing_statement(app, minutes_world):
    with app.app_context():
        meeting = db.session.get(Meeting, minutes_world["meeting"])
        meeting.items[1].asks_input = False  # "Mededelingen": nothing to give input on
        meeting.items[1].withdrawn_at = None
        db.session.query(Statement).filter(Statement.item_id == meeting.items[1].id).delete()
        db.session.query(Comment).filter(Comment.item_id == meeting.items[1].id).delete()
        meeting.items[2].withdrawn_at = None  # asks input, no statement
        db.session.commit()
    minutes = minutes_for(app, minutes_world["meeting"], with_inputs=True)
    text = build(app, "md", minutes).decode()
    second, third = text.split("Agendapunt 2", 1)[1].split("Agendapunt 3", 1)
    assert "Geen inbreng" not in second
    assert "Geen inbreng." in third.split("Agendapunt", 1)[0]
    appendix = text.split(layout.APPENDIX, 1)[1]
    assert "Agendapunt 2" not in appendix and "Agendapunt 3" in appendix


def test_the_location_says_online_once(app, minutes_world):
    with app.app_context():
        meeting = db.session.get(Meeting, minutes_world["meeting"])
        meeting.online, meeting.location = True, "VNG, Den Haag (en online via Teams)"
        db.session.commit()
    assert minutes_for(app, minutes_world["meeting"]).location == (
        "VNG, Den Haag (en online via Teams)")
    with app.app_context():
        db.session.get(Meeting, minutes_world["meeting"]).location = "VNG, Den Haag"
        db.session.commit()
    assert minutes_for(app, minutes_world["meeting"]).location == "VNG, Den Haag (ook online)"
