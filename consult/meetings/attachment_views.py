"""Attachments (bijlagen): download, upload, attach a file to a placeholder, delete."""

from flask import Blueprint, Flask, abort, current_app, flash, redirect, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from consult.accounts.forms import DutchForm
from consult.extensions import db
from consult.meetings import attachments
from consult.meetings.models import AgendaItem, Attachment
from consult.pages import render_page, wants_fragment
from consult.permissions import can_manage_meetings, can_view_attachment

bp = Blueprint("attachments", __name__)

PAGE = "meetings/attachment_error.html"
BLOCK = "attachments"


def confidential_field() -> BooleanField:
    return BooleanField(
        "Vertrouwelijk",
        description="Alleen te zien voor de gedelegeerden van dit overleg en beheerders.",
    )


def file_field() -> FileField:
    return FileField("Bestand", validators=[FileRequired("Kies een bestand.")])


class PrefixedForm(DutchForm):
    """Ids start with `id_prefix`, so many of these forms can share one page."""

    def __init__(self, *args, id_prefix: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        max_size = attachments.format_size(attachments.max_bytes())
        self.file.description = f"PDF, DOCX, XLSX, PPTX of ODT, hoogstens {max_size}."
        if id_prefix:
            for field in self:
                field.id = f"{id_prefix}-{field.name}"
                field.label.field_id = field.id


class AttachFileForm(PrefixedForm):
    """The file of a placeholder (or a new file for an attachment)."""

    confidential = confidential_field()
    file = file_field()


class AttachmentForm(PrefixedForm):
    """A new attachment of an agenda item."""

    label = StringField(
        "Label",
        validators=[Optional(), Length(max=20, message="Het label mag hoogstens 20 tekens hebben.")],
        description="Zoals op de agenda, bijvoorbeeld 4a.",
    )
    title = StringField(
        "Titel",
        validators=[Optional(),
                    Length(max=300, message="De titel mag hoogstens 300 tekens hebben.")],
        description="Leeg laten: de naam van het bestand.",
    )
    confidential = confidential_field()
    file = file_field()


def attachment_form(item: AgendaItem, **kwargs) -> AttachmentForm:
    """The "Bijlage toevoegen" form of `item`, with ids unique on a page of many items.
    Templates ask for an empty one: `attachment_form(item, formdata=None)`."""
    return AttachmentForm(id_prefix=f"bijlage-nieuw-{item.id}", **kwargs)


def item_url(item: AgendaItem) -> str:
    return url_for("meetings.item", item_id=item.id)


def answer(item: AgendaItem, *, message: str = "", flash_message: str = ""):
    """Success: the re-rendered list for htmx, otherwise 303 back to the item."""
    db.session.commit()
    if wants_fragment():
        return render_page(PAGE, block=BLOCK, item=item, message=message or flash_message)
    flash(flash_message or message, "success")
    return redirect(item_url(item), 303)


def refuse(item: AgendaItem, error: str, **context):
    """Nothing stored: the list again with the error (and what was typed), 422."""
    db.session.rollback()
    return render_page(PAGE, block=BLOCK, status=422, item=item, error=error, **context)


def get_attachment(attachment_id: int) -> Attachment:
    return db.get_or_404(Attachment, attachment_id)


def require_manage(item: AgendaItem) -> None:
    if not can_manage_meetings(current_user, item.meeting.body):
        abort(403)


def first_error(form) -> str:
    for field in form:
        if field.errors:
            return field.errors[0]
    return "De bijlage is niet opgeslagen."


@bp.get("/bijlagen/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    attachment = get_attachment(attachment_id)
    if not can_view_attachment(current_user, attachment):
        abort(403)
    if not attachment.uploaded:
        abort(404)
    try:
        path = attachments.attachment_path(attachment)
    except attachments.AttachmentError:
        abort(404)
    if not path.is_file():
        current_app.logger.error("attachment %s: file %s is missing", attachment.id, path)
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename or f"bijlage.{path.suffix.lstrip('.')}",
        conditional=True,
        max_age=0,
    )
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/agendapunten/<int:item_id>/bijlagen")
@login_required
def upload(item_id: int):
    item = db.get_or_404(AgendaItem, item_id)
    require_manage(item)
    form = attachment_form(item)
    if not form.validate():
        return refuse(item, first_error(form), form=form)
    try:
        attachment = attachments.store_upload(
            item, form.file.data, label=form.label.data, title=form.title.data,
            confidential=form.confidential.data, by=current_user,
        )
    except attachments.AttachmentError as error:
        form.file.errors = [*form.file.errors, str(error)]
        return refuse(item, str(error), form=form)
    return answer(item, message=f"Bijlage {describe(attachment)} is toegevoegd.")


@bp.post("/bijlagen/<int:attachment_id>/bestand")
@login_required
def attach(attachment_id: int):
    attachment = get_attachment(attachment_id)
    item = attachment.item
    require_manage(item)
    form = AttachFileForm(id_prefix=f"bijlage-{attachment.id}")
    if not form.validate():
        return refuse(item, first_error(form), error_attachment_id=attachment.id)
    try:
        attachments.store_upload(
            item, form.file.data, label=attachment.label, title=attachment.title,
            confidential=form.confidential.data, by=current_user, attachment=attachment,
        )
    except attachments.AttachmentError as error:
        return refuse(item, str(error), error_attachment_id=attachment.id)
    return answer(item, message=f"Het bestand van bijlage {describe(attachment)} is opgeslagen.")


@bp.post("/bijlagen/<int:attachment_id>/verwijderen")
@login_required
def delete(attachment_id: int):
    attachment = get_attachment(attachment_id)
    item = attachment.item
    require_manage(item)
    name = describe(attachment)
    attachments.delete_attachment(attachment)
    return answer(item, message=f"Bijlage {name} is verwijderd.")


def describe(attachment: Attachment) -> str:
    """"4a (Jaarplan 2026)" or "Jaarplan 2026"."""
    if attachment.label and attachment.title:
        return f"{attachment.label} ({attachment.title})"
    return attachment.label or attachment.title or attachment.filename


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(attachments.format_size, "bestandsgrootte")
    app.add_template_filter(attachments.type_label, "bestandstype")
    app.add_template_global(attachment_form, "attachment_form")
    app.add_template_test(lambda value: isinstance(value, AttachmentForm), "attachment_form")
    app.add_template_global(attachments.ACCEPT, "attachment_accept")
