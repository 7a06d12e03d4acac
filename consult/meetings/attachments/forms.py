"""The forms of attachments; many share one meeting page, so their ids are prefixed."""

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from consult.accounts.forms import DutchForm
from consult.meetings.attachments.files import format_size, max_bytes
from consult.meetings.models import AgendaItem


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
        self.file.description = (f"PDF, DOCX, XLSX, PPTX of ODT, hoogstens "
                                 f"{format_size(max_bytes())}.")
        if id_prefix:
            for field in self:
                field.id = f"{id_prefix}-{field.name}"
                field.label.field_id = field.id

    def first_error(self) -> str:
        for field in self:
            if field.errors:
                return field.errors[0]
        return "De bijlage is niet opgeslagen."


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
