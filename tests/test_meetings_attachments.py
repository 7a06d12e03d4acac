"""Attachments (bijlagen): the type is read from the content, nothing is stored for a
refused upload, hostile names stay harmless, and confidential files stay with the
body's delegates and admins."""

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from flask import render_template
from flask_login import login_user
from sqlalchemy import delete, func, select

from consult import storage
from consult.accounts.models import User
from consult.extensions import db
from consult.meetings.attachments import files as attachments
from consult.meetings.attachments.files import AttachmentError, detect_type, safe_filename
from consult.meetings.models import AgendaItem, Attachment
from consult.storage import StoredFile
from tests.factories import make_body, make_meeting, make_user

HX = {"HX-Request": "true"}
PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
STORED = re.compile(r"[0-9a-f]{32}\.(pdf|docx|xlsx|pptx|odt)")


# --- files ------------------------------------------------------------------------

def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


def docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("Jaarplan Samen Organiseren 2026")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bytes(parts: dict[str, bytes | str], stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(stored_first, parts[stored_first], compress_type=zipfile.ZIP_STORED)
        for name, data in parts.items():
            if name != stored_first:
                archive.writestr(name, data)
    return out.getvalue()


CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def xlsx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": "<Relationships/>",
                      "xl/workbook.xml": "<workbook/>", "xl/worksheets/sheet1.xml": "<worksheet/>"})


def pptx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": "<Relationships/>",
                      "ppt/presentation.xml": "<presentation/>",
                      "ppt/slides/slide1.xml": "<sld/>"})


def odt_bytes(mimetype: str = ODT_TYPE) -> bytes:
    return zip_bytes({"mimetype": mimetype, "content.xml": "<office:document-content/>",
                      "META-INF/manifest.xml": "<manifest/>"}, stored_first="mimetype")


ALLOWED = {
    "pdf": (pdf_bytes, "agenda.pdf", PDF_TYPE),
    "docx": (docx_bytes, "jaarplan.docx", DOCX_TYPE),
    "xlsx": (xlsx_bytes, "begroting.xlsx", XLSX_TYPE),
    "pptx": (pptx_bytes, "presentatie.pptx", PPTX_TYPE),
    "odt": (odt_bytes, "notitie.odt", ODT_TYPE),
}

WRONG = {
    "exe renamed pdf": (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "setup.pdf",
                        PDF_TYPE, "niet toegestaan"),
    "text named docx": (b"Dit is gewoon tekst.\n" * 10, "notulen.docx", DOCX_TYPE,
                        "niet toegestaan"),
    "zip without parts": (zip_bytes({"hallo.txt": "hallo"}), "stukken.docx", DOCX_TYPE,
                          "niet toegestaan"),
    "html claiming pdf": (b"<!doctype html><html><script>alert(1)</script></html>",
                          "bijlage.pdf", PDF_TYPE, "niet toegestaan"),
    "empty": (b"", "leeg.pdf", PDF_TYPE, "Het bestand is leeg"),
    "broken zip": (b"PK\x03\x04" + b"\xff" * 300, "kapot.docx", DOCX_TYPE,
                   "kon niet worden gelezen"),
    "spreadsheet odf": (odt_bytes("application/vnd.oasis.opendocument.spreadsheet"),
                        "lijst.odt", ODT_TYPE, "niet toegestaan"),
    "word with macros": (zip_bytes({"[Content_Types].xml": CONTENT_TYPES,
                                    "word/document.xml": "<document/>",
                                    "word/vbaProject.bin": b"\x00" * 10}),
                         "macro.docx", DOCX_TYPE, "macro"),
}


# --- helpers ----------------------------------------------------------------------

@pytest.fixture
def agenda(app, users):
    """A published meeting of a body with the delegate; another body with its own."""
    with app.app_context():
        delegate = db.session.get(User, users["delegate"])
        other_delegate = make_user("delegate", name="Karin Jansen")
        body = make_body(delegates=[delegate])
        other = make_body("CIO-Beraad – VNG", short_name="CIO", delegates=[other_delegate])
        meeting = make_meeting(body, items=2)
        make_meeting(other, items=1)
        db.session.commit()
        return {"item": meeting.items[0].id, "other_item": meeting.items[1].id,
                "other_delegate": other_delegate.id}


def session_files() -> list[str]:
    """The keys in consult.storage, as the current session sees them."""
    return sorted(db.session.scalars(select(StoredFile.key)))


def stored_files(app) -> list[str]:
    """The keys of the committed files."""
    with app.app_context():
        return session_files()


def stored_bytes(app, key: str) -> bytes | None:
    with app.app_context():
        return storage.read(key)


def count_attachments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Attachment.id)))


def upload(client, item_id: int, data: bytes, filename: str, content_type: str = PDF_TYPE,
           headers=None, **fields):
    form = {"label": "4a", "title": "Jaarplan", **fields,
            "file": (io.BytesIO(data), filename, content_type)}
    return client.post(f"/agendapunten/{item_id}/bijlagen", data=form, headers=headers or {},
                       content_type="multipart/form-data")


def only_attachment(app) -> Attachment:
    with app.app_context():
        attachment = db.session.scalars(select(Attachment)).one()
        db.session.expunge(attachment)
        return attachment


def add_attachment(app, item_id: int, data: bytes = b"", **fields) -> int:
    """A stored attachment (or, without data, a placeholder) made through the service."""
    with app.test_request_context():
        item = db.session.get(AgendaItem, item_id)
        if not data:
            attachment = Attachment(label=fields.get("label", "4b"), title=fields.get("title", ""),
                                    confidential=fields.get("confidential", False))
            item.attachments.append(attachment)
        else:
            from werkzeug.datastructures import FileStorage

            attachment = attachments.store_upload(
                item, FileStorage(io.BytesIO(data), fields.get("filename", "stuk.pdf")),
                label=fields.get("label", "4a"), title=fields.get("title", "Stuk"),
                confidential=fields.get("confidential", False),
                by=db.session.scalars(select(User)).first(),
            )
        db.session.commit()
        return attachment.id


# --- type detection -----------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_detect_type_reads_the_content(tmp_path, kind):
    make, _, content_type = ALLOWED[kind]
    path = tmp_path / "upload"
    path.write_bytes(make())
    assert detect_type(path.read_bytes()[:64], path) == (content_type, kind)


@pytest.mark.parametrize("case", sorted(WRONG))
def test_detect_type_refuses_other_content(tmp_path, case):
    data, _, _, message = WRONG[case]
    if not data:
        return  # empty files are refused before detection
    path = tmp_path / "upload"
    path.write_bytes(data)
    with pytest.raises(AttachmentError, match=message):
        detect_type(data[:64], path)


def test_odt_needs_mimetype_as_first_entry(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(zip_bytes({"content.xml": "<x/>", "mimetype": ODT_TYPE}))
    with pytest.raises(AttachmentError):
        detect_type(path.read_bytes()[:64], path)


# --- uploading --------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_each_allowed_type_is_stored(app, client, auth, agenda, kind):
    make, filename, content_type = ALLOWED[kind]
    data = make()
    auth.login("delegate")
    response = upload(client, agenda["item"], data, filename,
                      content_type="application/octet-stream")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/agendapunten/{agenda['item']}"
    attachment = only_attachment(app)
    assert attachment.content_type == content_type
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.filename == filename
    assert (attachment.label, attachment.title) == ("4a", "Jaarplan")
    assert attachment.uploaded_by_id == auth.users["delegate"]
    assert attachment.uploaded_at is not None
    assert STORED.fullmatch(attachment.stored_name)
    assert attachment.stored_name.endswith(f".{kind}")
    assert stored_files(app) == [attachment.stored_name]
    assert stored_bytes(app, attachment.stored_name) == data
    assert client.get(f"/bijlagen/{attachment.id}").data == data


def test_the_extension_follows_the_content(app, client, auth, agenda):
    auth.login("delegate")
    upload(client, agenda["item"], pdf_bytes(), "eigenlijk-een-pdf.docx", DOCX_TYPE)
    attachment = only_attachment(app)
    assert attachment.content_type == PDF_TYPE
    assert attachment.filename == "eigenlijk-een-pdf.pdf"


def test_title_defaults_to_the_file_name(app, client, auth, agenda):
    auth.login("delegate")
    upload(client, agenda["item"], pdf_bytes(), "Jaarverslag 2025.pdf", title="", label="")
    attachment = only_attachment(app)
    assert (attachment.label, attachment.title) == ("", "Jaarverslag 2025")


@pytest.mark.parametrize("case", sorted(WRONG))
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_wrong_type_is_refused_and_nothing_is_stored(app, client, auth, agenda, case, htmx):
    data, filename, content_type, message = WRONG[case]
    auth.login("delegate")
    response = upload(client, agenda["item"], data, filename, content_type,
                      headers=HX if htmx else None, title="Mijn titel")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    assert 'value="Mijn titel"' in text  # what was typed is kept
    if htmx:
        assert text.lstrip().startswith('<section class="attachments"')
    else:
        assert "<h1>Bijlage niet opgeslagen</h1>" in text
        assert f'href="/agendapunten/{agenda["item"]}"' in text
    assert count_attachments(app) == 0
    assert stored_files(app) == []


def test_missing_file_is_refused(app, client, auth, agenda):
    auth.login("delegate")
    response = client.post(f"/agendapunten/{agenda['item']}/bijlagen",
                           data={"label": "4a", "title": "Zonder bestand"})
    assert response.status_code == 422
    assert "Kies een bestand." in response.get_data(as_text=True)
    assert count_attachments(app) == 0


def test_too_long_label_is_refused(app, client, auth, agenda):
    auth.login("delegate")
    response = upload(client, agenda["item"], pdf_bytes(), "a.pdf", label="x" * 21)
    assert response.status_code == 422
    assert "hoogstens 20 tekens" in response.get_data(as_text=True)
    assert count_attachments(app) == 0 and stored_files(app) == []


def test_oversize_file_is_refused(app, client, auth, agenda):
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    auth.login("delegate")
    data = pdf_bytes() + b"0" * 1000
    response = upload(client, agenda["item"], data, "groot.pdf", headers=HX)
    assert response.status_code == 422
    assert "Het bestand is te groot" in response.get_data(as_text=True)
    assert "1000 bytes" in response.get_data(as_text=True)
    assert count_attachments(app) == 0
    assert stored_files(app) == []
    # exactly at the limit is fine
    response = upload(client, agenda["item"], pdf_bytes().ljust(1000, b" "), "precies.pdf")
    assert response.status_code == 303
    assert count_attachments(app) == 1


def test_request_above_max_content_length_gets_friendly_413(app, client, auth, agenda):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    auth.login("delegate")
    response = upload(client, agenda["item"], pdf_bytes() + b"0" * 3000, "enorm.pdf")
    assert response.status_code == 413
    assert "Het bestand is te groot" in response.get_data(as_text=True)
    assert count_attachments(app) == 0 and stored_files(app) == []


HOSTILE_NAMES = {
    "../../etc/passwd": "passwd.pdf",
    "..\\..\\windows\\system32\\evil.pdf": "evil.pdf",
    "a\x00b.pdf": "a b.pdf",
    "x" * 500 + ".pdf": "x" * 116 + ".pdf",
    "....": "bijlage.pdf",
    ".": "bijlage.pdf",
    "CON.pdf": "bijlage_CON.pdf",
    "nul": "bijlage_nul.pdf",
    "LPT1.txt.pdf": "bijlage_LPT1.txt.pdf",
    'notulen"; filename=evil.exe': "notulen__ filename=evil.exe.pdf",
    "rapport\u202egpj.exe": "rapport gpj.exe.pdf",
    "regel\r\nSet-Cookie: x=1.pdf": "regel Set-Cookie_ x=1.pdf",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_NAMES))
def test_safe_filename(name):
    assert safe_filename(name, "pdf") == HOSTILE_NAMES[name]


def test_safe_filename_without_extension():
    assert safe_filename("../..") == "bijlage"
    assert safe_filename("Begroting 2026.xlsx") == "Begroting 2026.xlsx"
    assert len(safe_filename("é" * 300 + ".docx")) <= attachments.MAX_NAME_CHARS


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\boot.ini", "....", "CON.pdf",
                                  "x" * 300 + ".pdf", 'a";b.pdf', "tab\there\x7f.pdf"])
def test_hostile_names_are_stored_safely(app, client, auth, agenda, name):
    auth.login("delegate")
    response = upload(client, agenda["item"], pdf_bytes(), name)
    assert response.status_code == 303
    attachment = only_attachment(app)
    assert STORED.fullmatch(attachment.stored_name)
    assert stored_files(app) == [attachment.stored_name]
    assert not Path("/etc/passwd.pdf").exists()
    # (the multipart encoding may already change the name on its way)
    assert not re.search(r'[/\\"\x00-\x1f]', attachment.filename)
    assert attachment.filename.endswith(".pdf") and not attachment.filename.startswith(".")
    download = client.get(f"/bijlagen/{attachment.id}")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert not re.search(r"[/\\\r\n\x00]", disposition)
    assert ".." not in disposition


def test_service_refuses_empty_file_and_leaves_nothing(app, agenda):
    from werkzeug.datastructures import FileStorage

    with app.test_request_context():
        item = db.session.get(AgendaItem, agenda["item"])
        with pytest.raises(AttachmentError, match="leeg"):
            attachments.store_upload(item, FileStorage(io.BytesIO(b""), "leeg.pdf"), label="",
                                     title="", confidential=False, by=None)
    assert stored_files(app) == []
    assert count_attachments(app) == 0


def test_rollback_or_no_commit_removes_the_new_file(app, agenda):
    from werkzeug.datastructures import FileStorage

    with app.test_request_context():
        item = db.session.get(AgendaItem, agenda["item"])
        attachments.store_upload(item, FileStorage(io.BytesIO(pdf_bytes()), "a.pdf"),
                                 label="", title="", confidential=False, by=None)
        assert len(session_files()) == 1
        db.session.rollback()
        assert session_files() == []
    with app.test_request_context():
        item = db.session.get(AgendaItem, agenda["item"])
        attachments.store_upload(item, FileStorage(io.BytesIO(pdf_bytes()), "a.pdf"),
                                 label="", title="", confidential=False, by=None)
        assert len(session_files()) == 1
    # the request ended without a commit: the session was closed, the file removed
    assert stored_files(app) == []
    assert count_attachments(app) == 0


# --- htmx -------------------------------------------------------------------------

def test_htmx_upload_returns_the_partial(app, client, auth, agenda):
    auth.login("delegate")
    response = upload(client, agenda["item"], pdf_bytes().ljust(8 * 1024), "agenda.pdf", headers=HX,
                      title="Jaarplan 2026")
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith(f'<section class="attachments" id="bijlagen-{agenda["item"]}"')
    assert "Jaarplan 2026" in text
    assert "(PDF, 8 kB)" in text
    assert "is toegevoegd" in text
    assert "<html" not in text


def test_size_in_dutch():
    fmt = attachments.format_size
    assert [fmt(1), fmt(812), fmt(46_000), fmt(1_250_000), fmt(20 * 1024 * 1024)] == [
        "1 byte", "812 bytes", "45 kB", "1,2 MB", "20 MB"]


# --- placeholders, replacing, deleting ------------------------------------------------

def test_placeholder_gets_its_file(app, client, auth, agenda):
    placeholder = add_attachment(app, agenda["item"], label="4b", title="Begroting 2026")
    auth.login("delegate")
    page = client.get(f"/agendapunten/{agenda['item']}").get_data(as_text=True)
    assert "nog te uploaden" in page
    assert f'for="bijlage-{placeholder}-file"' in page
    assert client.get(f"/bijlagen/{placeholder}").status_code == 404
    response = client.post(f"/bijlagen/{placeholder}/bestand",
                           data={"file": (io.BytesIO(xlsx_bytes()), "begroting.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    attachment = only_attachment(app)
    assert attachment.id == placeholder
    assert (attachment.label, attachment.title) == ("4b", "Begroting 2026")
    assert attachment.content_type == XLSX_TYPE and not attachment.confidential
    assert stored_files(app) == [attachment.stored_name]
    assert client.get(f"/bijlagen/{placeholder}").status_code == 200


def test_placeholder_upload_error_stays_with_the_placeholder(app, client, auth, agenda):
    placeholder = add_attachment(app, agenda["item"], label="4b", title="Begroting")
    auth.login("delegate")
    response = client.post(f"/bijlagen/{placeholder}/bestand", headers=HX,
                           data={"file": (io.BytesIO(b"MZ\x90\x00"), "begroting.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert f'id="bijlage-{placeholder}-file-error"' in text
    assert "niet toegestaan" in text
    assert only_attachment(app).stored_name is None
    assert stored_files(app) == []


def test_replacing_a_file_removes_the_old_one(app, client, auth, agenda):
    attachment_id = add_attachment(app, agenda["item"], pdf_bytes())
    old = only_attachment(app).stored_name
    auth.login("delegate")
    response = client.post(f"/bijlagen/{attachment_id}/bestand",
                           data={"file": (io.BytesIO(docx_bytes()), "nieuw.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    new = only_attachment(app)
    assert new.stored_name != old and new.content_type == DOCX_TYPE
    assert stored_files(app) == [new.stored_name]


def test_delete_removes_row_and_file(app, client, auth, agenda):
    attachment_id = add_attachment(app, agenda["item"], pdf_bytes())
    assert len(stored_files(app)) == 1
    auth.login("delegate")
    response = client.post(f"/bijlagen/{attachment_id}/verwijderen")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/agendapunten/{agenda['item']}"
    assert count_attachments(app) == 0
    assert stored_files(app) == []


def test_an_item_deleted_with_its_attachments_takes_their_files_along(app, agenda):
    add_attachment(app, agenda["item"], pdf_bytes())
    add_attachment(app, agenda["item"], docx_bytes(), label="4b")
    kept = add_attachment(app, agenda["other_item"], pdf_bytes(), label="5a")
    assert len(stored_files(app)) == 3
    with app.app_context():
        item = db.session.get(AgendaItem, agenda["item"])
        item.meeting.items.remove(item)  # delete-orphan: the attachments go with it
        db.session.commit()
        assert stored_files(app) == [db.session.get(Attachment, kept).stored_name]


def test_htmx_delete_returns_the_partial_without_it(app, client, auth, agenda):
    attachment_id = add_attachment(app, agenda["item"], pdf_bytes(), title="Weg ermee")
    placeholder = add_attachment(app, agenda["item"], label="4c", title="Blijft staan")
    auth.login("admin")
    response = client.post(f"/bijlagen/{attachment_id}/verwijderen", headers=HX)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Blijft staan" in text and f'id="bijlage-{placeholder}"' in text
    assert f'id="bijlage-{attachment_id}"' not in text
    assert stored_files(app) == []


# --- who may see and do what ----------------------------------------------------------

def test_download_headers(app, client, auth, agenda):
    data = pdf_bytes()
    attachment_id = add_attachment(app, agenda["item"], data,
                                   filename="Notulen – maart ‘26.pdf")
    auth.login("member")
    response = client.get(f"/bijlagen/{attachment_id}")
    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Type"] == PDF_TYPE
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''Notulen%20%E2%80%93%20maart%20%E2%80%9826.pdf" in disposition
    disposition.encode("ascii")
    cache = response.headers["Cache-Control"]
    assert "private" in cache and "no-cache" in cache and "public" not in cache
    assert response.headers["ETag"]
    again = client.get(f"/bijlagen/{attachment_id}",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_docx_download_has_its_own_content_type(app, client, auth, agenda):
    attachment_id = add_attachment(app, agenda["item"], docx_bytes(), filename="jaarplan.docx")
    auth.login("chair")
    response = client.get(f"/bijlagen/{attachment_id}")
    assert response.headers["Content-Type"] == DOCX_TYPE
    assert 'filename=jaarplan.docx' in response.headers["Content-Disposition"]


@pytest.mark.parametrize("role, status", [("member", 403), ("chair", 403), ("delegate", 200),
                                          ("admin", 200)])
def test_confidential_attachment_download(app, client, auth, agenda, role, status):
    attachment_id = add_attachment(app, agenda["item"], pdf_bytes(), confidential=True)
    auth.login(role)
    assert client.get(f"/bijlagen/{attachment_id}").status_code == status


def test_confidential_attachment_is_absent_from_member_pages(app, client, auth, agenda):
    add_attachment(app, agenda["item"], pdf_bytes(), title="Geheime notitie", confidential=True)
    add_attachment(app, agenda["item"], label="4c", title="Geheim concept", confidential=True)
    add_attachment(app, agenda["item"], pdf_bytes(), title="Openbaar stuk")
    with app.test_request_context():
        item = db.session.get(AgendaItem, agenda["item"])
        login_user(db.session.get(User, auth.users["member"]))
        partial = render_template("meetings/_attachments.html", item=item)
        login_user(db.session.get(User, auth.users["delegate"]))
        for_delegate = render_template("meetings/_attachments.html", item=item)
    assert "Openbaar stuk" in partial
    assert "Geheim" not in partial and "vertrouwelijk" not in partial
    assert "Bijlage toevoegen" not in partial and "Verwijderen" not in partial
    assert "Geheime notitie" in for_delegate and "Geheim concept" in for_delegate
    assert "vertrouwelijk" in for_delegate and "Bijlage toevoegen" in for_delegate
    auth.login("member")
    page = client.get(f"/agendapunten/{agenda['item']}")
    assert page.status_code == 200
    assert "Openbaar stuk" in page.get_data(as_text=True)
    assert "Geheim" not in page.get_data(as_text=True)


def test_attachments_of_a_draft_meeting_stay_hidden(app, client, auth, agenda):
    attachment_id = add_attachment(app, agenda["item"], pdf_bytes())
    with app.app_context():
        db.session.get(AgendaItem, agenda["item"]).meeting.published_at = None
        db.session.commit()
    auth.login("member")
    assert client.get(f"/bijlagen/{attachment_id}").status_code == 403


@pytest.mark.parametrize("role", ["member", "chair"])
def test_members_cannot_change_attachments(app, client, auth, agenda, role):
    attachment_id = add_attachment(app, agenda["item"], pdf_bytes())
    placeholder = add_attachment(app, agenda["item"], label="4b")
    auth.login(role)
    assert upload(client, agenda["item"], pdf_bytes(), "a.pdf").status_code == 403
    assert client.post(f"/bijlagen/{placeholder}/bestand", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(pdf_bytes()), "a.pdf")}).status_code == 403
    assert client.post(f"/bijlagen/{attachment_id}/verwijderen").status_code == 403
    assert count_attachments(app) == 2 and len(stored_files(app)) == 1


def test_delegate_of_another_body_cannot_upload(app, client, auth, agenda):
    attachment_id = add_attachment(app, agenda["item"], pdf_bytes(), confidential=True)
    auth.users["other"] = agenda["other_delegate"]
    auth.login("other")
    assert upload(client, agenda["item"], pdf_bytes(), "a.pdf").status_code == 403
    assert client.post(f"/bijlagen/{attachment_id}/verwijderen").status_code == 403
    assert client.get(f"/bijlagen/{attachment_id}").status_code == 403
    assert count_attachments(app) == 1 and len(stored_files(app)) == 1


def test_anonymous_is_sent_to_login(app, client, agenda):
    attachment_id = add_attachment(app, agenda["item"], pdf_bytes())
    for response in (client.get(f"/bijlagen/{attachment_id}"),
                     upload(client, agenda["item"], pdf_bytes(), "a.pdf"),
                     client.post(f"/bijlagen/{attachment_id}/bestand"),
                     client.post(f"/bijlagen/{attachment_id}/verwijderen")):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/inloggen?next=")
    assert count_attachments(app) == 1


def test_missing_file_is_404(app, client, auth, agenda):
    attachment_id = add_attachment(app, agenda["item"], pdf_bytes())
    with app.app_context():
        db.session.execute(delete(StoredFile))
        db.session.commit()
    auth.login("admin")
    assert client.get(f"/bijlagen/{attachment_id}").status_code == 404


def test_partial_has_unique_ids_and_labelled_inputs(app, client, auth, agenda):
    add_attachment(app, agenda["item"], pdf_bytes(), confidential=True)
    add_attachment(app, agenda["item"], label="4b", title="Placeholder")
    add_attachment(app, agenda["other_item"], label="5a", title="Ander punt")
    with app.test_request_context():
        login_user(db.session.get(User, auth.users["delegate"]))
        html = "".join(render_template("meetings/_attachments.html",
                                       item=db.session.get(AgendaItem, item_id))
                       for item_id in (agenda["item"], agenda["other_item"]))
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    inputs = [tag for tag in re.findall(r"<input[^>]*>", html) if 'type="hidden"' not in tag]
    assert len(inputs) == 2 * 4 + 2 * 2  # per item: label, title, confidential, file; per placeholder: 2
    for tag in inputs:
        input_id = re.search(r'\sid="([^"]+)"', tag).group(1)
        assert f'for="{input_id}"' in html
    assert " style=" not in html and " onclick=" not in html
    assert html.count('enctype="multipart/form-data"') == 4  # per item: a placeholder and the new one
    assert html.count('hx-encoding="multipart/form-data"') == 4
