"""Attachments (bijlagen) of agenda items: the type is read from the content, files are
stored under generated keys, and a failed upload leaves nothing behind.

The file goes into `consult.storage` (the database) in the same transaction as its row:
a rolled-back upload stores nothing, and a replaced or deleted file goes with the commit
(also when an item's attachments are deleted with it).
"""

import hashlib
import io
import re
import unicodedata
import zipfile
import zlib
from pathlib import PurePosixPath

from flask import current_app, send_file
from sqlalchemy import event

from consult import storage
from consult.accounts.models import User
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import AgendaItem, Attachment

PDF = ("application/pdf", "pdf")
DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
PPTX = ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")
ODT = ("application/vnd.oasis.opendocument.text", "odt")

ALLOWED_TYPES = (PDF, DOCX, XLSX, PPTX, ODT)
EXTENSIONS = {extension for _, extension in ALLOWED_TYPES}
TYPE_LABELS = {content_type: extension.upper() for content_type, extension in ALLOWED_TYPES}
ACCEPT = ",".join(f".{extension}" for _, extension in ALLOWED_TYPES)

# Office Open XML: the folder of the main part says what kind of document it is.
OOXML_FOLDERS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
ODT_MIMETYPE = ODT[0].encode("ascii")

HEAD_BYTES = 64
CHUNK_BYTES = 64 * 1024
MAX_NAME_CHARS = 120
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:" + "|".join(sorted(EXTENSIONS)) + r")")
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", "clock$", "conin$", "conout$"} | {
    f"{device}{number}" for device in ("com", "lpt") for number in "123456789¹²³"
}
FORBIDDEN_CHARACTERS = re.compile(r'[<>:"/\\|?*;]')

WRONG_TYPE = ("Dit type bestand is niet toegestaan. Upload een PDF, een Word-document (DOCX), "
              "een Excel-bestand (XLSX), een PowerPoint-presentatie (PPTX) of een "
              "OpenDocument-tekst (ODT).")
UNREADABLE = "Het bestand kon niet worden gelezen. Mogelijk is het beschadigd; sla het opnieuw op."
MACROS = ("Bestanden met macro's zijn niet toegestaan. Sla het document op zonder macro's, "
          "als DOCX, XLSX of PPTX.")
EMPTY = "Het bestand is leeg. Kies een bestand met inhoud."
DISK_FULL = ("Het bestand kon niet worden opgeslagen: er is op de server geen ruimte meer. "
             "Er is niets bewaard. Probeer het later opnieuw of meld het de beheerder.")


class AttachmentError(ValueError):
    """An upload that is refused; the message is for the user (Dutch)."""


def format_size(size: int) -> str:
    """"812 bytes", "45 kB", "1,2 MB", "20 MB"."""
    if size < 1024:
        return "1 byte" if size == 1 else f"{size} bytes"
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} kB"
    text = f"{size / (1024 * 1024):.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} MB"


def type_label(content_type: str) -> str:
    """"PDF", "DOCX": how the file type is shown to users."""
    return TYPE_LABELS.get(content_type, "bestand")


def max_bytes() -> int:
    return int(current_app.config["ATTACHMENT_MAX_BYTES"])


def read_file(attachment: Attachment) -> bytes | None:
    """The bytes of an uploaded attachment; None for a placeholder or a missing file."""
    return storage.read(attachment.stored_name)


# --- type detection ---------------------------------------------------------------

def file_response(attachment: Attachment, mimetype: str | None = None):
    """The download of an uploaded attachment (the page's and the API's), or None when its
    file is missing from the store."""
    data = read_file(attachment)
    if data is None:
        current_app.logger.error("attachment %s: file %s is missing", attachment.id,
                                 attachment.stored_name)
        return None
    response = send_file(
        io.BytesIO(data),
        mimetype=mimetype or attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename or f"bijlage.{attachment.stored_name.rsplit('.')[-1]}",
        last_modified=attachment.uploaded_at,
        etag=attachment.sha256 or False,
        conditional=True,
        max_age=0,
    )
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def detect_type(head: bytes, path) -> tuple[str, str]:
    """(content type, extension) read from the content: the first bytes, and for zip
    files their parts. The client's content type and the file name play no part."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _detect_zip(path)
    raise AttachmentError(WRONG_TYPE)


def _detect_zip(path) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if not entries:
                raise AttachmentError(WRONG_TYPE)
            first = min(entries, key=lambda entry: entry.header_offset)
            if first.filename == "mimetype":
                # OpenDocument: the first entry is an uncompressed "mimetype" file.
                if first.file_size <= 100 and archive.read(first).strip() == ODT_MIMETYPE:
                    return ODT
                raise AttachmentError(WRONG_TYPE)
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
            RuntimeError, NotImplementedError, ValueError) as error:
        if isinstance(error, AttachmentError):
            raise
        raise AttachmentError(UNREADABLE) from error
    if "[Content_Types].xml" not in names:
        raise AttachmentError(WRONG_TYPE)
    if any(PurePosixPath(name).name.lower() == "vbaproject.bin" for name in names):
        raise AttachmentError(MACROS)
    found = {kind for folder, kind in OOXML_FOLDERS.items()
             if any(name.startswith(folder) and not name.endswith("/") for name in names)}
    if len(found) != 1:
        raise AttachmentError(WRONG_TYPE)
    return found.pop()


# --- names ----------------------------------------------------------------------

def safe_filename(name: str | None, extension: str | None = None) -> str:
    """A readable name for Content-Disposition only (storage uses generated names):
    no folders, control characters, reserved characters or Windows device names, not
    only dots, at most MAX_NAME_CHARS characters. With `extension` (the detected type),
    the name ends in it."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in name)
    name = FORBIDDEN_CHARACTERS.sub("_", name)
    name = " ".join(name.split()).strip(". ")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    if extension:
        if suffix.lower() in EXTENSIONS:
            suffix = ""
        stem = f"{stem}.{suffix}" if suffix else stem
        suffix = extension
    stem = stem.strip(". ")
    if not stem:
        stem = "bijlage"
    if stem.split(".")[0].strip().lower() in WINDOWS_RESERVED:
        stem = f"bijlage_{stem}"
    room = MAX_NAME_CHARS - (len(suffix) + 1 if suffix else 0)
    stem = stem[:room].rstrip(". ") or "bijlage"
    return f"{stem}.{suffix}" if suffix else stem


# --- storing and deleting ---------------------------------------------------------

def _read_upload(stream, limit: int) -> bytes:
    """The upload's bytes; stops reading as soon as the limit is passed."""
    out = io.BytesIO()
    while chunk := stream.read(CHUNK_BYTES):
        if out.tell() + len(chunk) > limit:
            raise AttachmentError(
                f"Het bestand is te groot. Een bijlage mag hoogstens {format_size(limit)} zijn.")
        out.write(chunk)
    return out.getvalue()


def store_upload(item: AgendaItem, file_storage, *, label: str, title: str, confidential: bool,
                 by: User, attachment: Attachment | None = None) -> Attachment:
    """Check and store an uploaded file. Without `attachment` a new attachment is made;
    with one (a placeholder, or an attachment whose file is replaced) its file is set.
    Raises AttachmentError (nothing stored) for an empty, too large or disallowed file.
    The attachment is flushed (it has its id); the caller commits, and a rollback removes
    the new file again."""
    if attachment is not None and attachment.item is not item:
        raise ValueError("attachment belongs to another agenda item")
    data = _read_upload(file_storage.stream, max_bytes())
    if not data:
        raise AttachmentError(EMPTY)
    content_type, extension = detect_type(data[:HEAD_BYTES], io.BytesIO(data))
    try:
        stored_name = storage.save(data, f".{extension}")
    except storage.StorageFull as error:
        raise AttachmentError(DISK_FULL) from error

    filename = safe_filename(file_storage.filename, extension)
    if attachment is None:
        attachment = Attachment()
        item.attachments.append(attachment)
    else:
        storage.remove(attachment.stored_name)
    attachment.label = (label or "").strip()[:20]
    attachment.title = ((title or "").strip() or filename.rsplit(".", 1)[0])[:300]
    attachment.confidential = bool(confidential)
    attachment.filename = filename
    attachment.stored_name = stored_name
    attachment.content_type = content_type
    attachment.size = len(data)
    attachment.sha256 = hashlib.sha256(data).hexdigest()
    attachment.uploaded_by_id = by.id if by else None
    attachment.uploaded_at = utcnow()
    db.session.flush()
    db.session.expire(item, ["attachments"])  # read again, in the order of their labels
    return attachment


def delete_attachment(attachment: Attachment) -> None:
    """Delete the row; its file goes with it (`_remove_file`), both with the commit."""
    attachment.item.attachments.remove(attachment)
    db.session.delete(attachment)


def describe(attachment: Attachment) -> str:
    """"4a (Jaarplan 2026)" or "Jaarplan 2026": how messages name an attachment."""
    if attachment.label and attachment.title:
        return f"{attachment.label} ({attachment.title})"
    return attachment.label or attachment.title or attachment.filename


@event.listens_for(Attachment, "after_delete")
def _remove_file(_mapper, connection, attachment: Attachment) -> None:
    """Every deleted attachment, also one deleted with its item, takes its file along."""
    storage.remove(attachment.stored_name, connection)
