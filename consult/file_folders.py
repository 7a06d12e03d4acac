"""Moving the files that older versions kept in instance/ (ATTACHMENT_DIR, EXPORT_DIR)
into `consult.storage`, the database or S3 (`flask files import-folders`). Keys stay the stored names, so the
rows need no change; running it again moves nothing twice."""

from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from consult import storage
from consult.exports.models import ExportJob
from consult.extensions import db
from consult.meetings.models import Attachment


@dataclass
class Moved:
    moved: int = 0
    present: int = 0  # already in the store
    missing: list[str] = field(default_factory=list)  # rows whose file is nowhere


def folder(setting: str, default: str) -> Path:
    configured = current_app.config.get(setting)
    return Path(configured) if configured else Path(current_app.instance_path) / default


def import_folders() -> Moved:
    """Each file is committed on its own, so an interrupted run keeps what it moved."""
    result = Moved()
    sources = ((Attachment.stored_name, folder("ATTACHMENT_DIR", "attachments")),
               (ExportJob.stored_name, folder("EXPORT_DIR", "exports")))
    for column, directory in sources:
        keys = db.session.scalars(select(column).where(column.is_not(None))).all()
        for key in keys:
            path = directory / key
            if storage.has(key):
                result.present += 1
            elif storage.valid_key(key) and path.is_file():
                storage.save(path.read_bytes(), key=key)
                db.session.commit()
                result.moved += 1
            else:
                result.missing.append(key)
    db.session.rollback()
    return result
