"""Attachments (bijlagen): download, upload, attach a file to a placeholder, delete."""


from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from consult.meetings.attachments import files
from consult.meetings.attachments.forms import AttachFileForm, attachment_form
from consult.meetings.models import AgendaItem
from consult.pages import render_page, wants_fragment
from consult.permissions import attachment_for, item_for

bp = Blueprint("attachments", __name__)

PAGE = "meetings/attachment_error.html"
BLOCK = "attachments"


def answer(item: AgendaItem, message: str):
    """Success: the re-rendered list for htmx, otherwise 303 back to the item."""
    if wants_fragment():
        return render_page(PAGE, block=BLOCK, item=item, message=message)
    flash(message, "success")
    return redirect(url_for("meetings.item", item_id=item.id), 303)


def refuse(item: AgendaItem, error: str, **context):
    """Nothing stored (the 422 rolls back): the list again with the error, and what was
    typed."""
    return render_page(PAGE, block=BLOCK, status=422, item=item, error=error, **context)


@bp.get("/bijlagen/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    attachment = attachment_for("view_attachment", attachment_id)
    if not attachment.uploaded:  # a placeholder: no file yet
        abort(404)
    response = files.file_response(attachment)
    if response is None:
        abort(404)
    return response


def store(item: AgendaItem, form, *, label: str, title: str, attachment=None,
          context: dict):
    """Check the form and store its file: (the attachment, None), or (None, the refusal)
    with the error, and `context` for the list shown again."""
    if not form.validate():
        return None, refuse(item, form.first_error(), **context)
    try:
        return files.store_upload(
            item, form.file.data, label=label, title=title,
            confidential=form.confidential.data, by=current_user, attachment=attachment,
        ), None
    except files.AttachmentError as error:
        form.file.errors = [*form.file.errors, str(error)]
        return None, refuse(item, str(error), **context)


@bp.post("/agendapunten/<int:item_id>/bijlagen")
@login_required
def upload(item_id: int):
    item = item_for("manage_attachments", item_id)
    form = attachment_form(item)
    attachment, refused = store(item, form, label=form.label.data, title=form.title.data,
                                context={"form": form})
    return refused or answer(item, f"Bijlage {files.describe(attachment)} is toegevoegd.")


@bp.post("/bijlagen/<int:attachment_id>/bestand")
@login_required
def attach(attachment_id: int):
    """The file of a placeholder, or a new file for an attachment."""
    attachment = attachment_for("manage_attachments", attachment_id)
    item = attachment.item
    form = AttachFileForm(id_prefix=f"bijlage-{attachment.id}")
    _, refused = store(item, form, label=attachment.label, title=attachment.title,
                       attachment=attachment, context={"error_attachment_id": attachment.id})
    return refused or answer(
        item, f"Het bestand van bijlage {files.describe(attachment)} is opgeslagen.")


@bp.post("/bijlagen/<int:attachment_id>/verwijderen")
@login_required
def delete(attachment_id: int):
    attachment = attachment_for("manage_attachments", attachment_id)
    item = attachment.item
    name = files.describe(attachment)
    files.delete_attachment(attachment)
    return answer(item, f"Bijlage {name} is verwijderd.")
