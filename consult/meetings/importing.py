"""Importing an agenda: the source text (pasted or .docx), the proposal, and saving the
reviewed items into a meeting (replacing its agenda or adding to it). The parser is
agenda_import/, the review screen's operations agenda_review.py."""

from collections.abc import Callable

from consult.accounts.models import User
from consult.meetings.agenda_import import ProposedAgenda, docx_to_text, parse_agenda_text
from consult.meetings.models import AgendaItem, Attachment, Meeting
from consult.meetings.services import MeetingRuleError, add_item, delete_item, record_change


class AgendaSourceError(ValueError):
    """No agenda in what the delegate gave; the message is for the user (Dutch), `field`
    the form field it is about ("text" or "file")."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def agenda_source_text(text: str, docx: bytes | None = None) -> str:
    """Pasted text or, when given, the text of an uploaded Word file."""
    if docx is not None:
        try:
            text = docx_to_text(docx)
        except ValueError as error:
            raise AgendaSourceError("file", str(error)) from error
    if not text.strip():
        raise AgendaSourceError("text", "Plak de tekst van de agenda of kies een Word-bestand.")
    return text


def propose_agenda(text: str, docx: bytes | None = None,
                   parse: Callable[[str], ProposedAgenda] = parse_agenda_text) -> ProposedAgenda:
    """The proposed items of pasted text or an uploaded Word file; `parse` reads a past
    report instead of an agenda."""
    agenda = parse(agenda_source_text(text, docx))
    if not agenda.items:
        raise AgendaSourceError("text", "Er zijn geen genummerde agendapunten gevonden. "
                                "Controleer of de punten met een nummer beginnen, zoals "
                                "“1. Opening”.")
    return agenda


ADD, REPLACE = "toevoegen", "vervangen"


def import_modes(meeting: Meeting) -> list[str]:
    """What an import may do with the items already there: nothing to choose on an empty
    agenda; replace them only while members have not seen them."""
    if not meeting.items:
        return []
    return [ADD] if meeting.published_at is not None else [REPLACE, ADD]


def clear_agenda(meeting: Meeting) -> None:
    """Remove a draft's items before an import replaces them."""
    if meeting.published_at is not None:
        raise MeetingRuleError("De punten van een gepubliceerde vergadering vervangt u niet: "
                               "leden hebben ze gezien. Voeg de nieuwe punten toe.")
    for item in list(meeting.items):
        delete_item(item)


def save_imported_agenda(meeting: Meeting, agenda: ProposedAgenda, *, by: User | None = None,
                         replace: bool = False) -> list[AgendaItem]:
    """Add reviewed items of an imported agenda (after the old ones, or `replace` them);
    attachment labels become placeholders ("nog te uploaden") until a file is attached.
    The text above the agenda becomes the meeting's description (and goes into its log)."""
    if replace:
        clear_agenda(meeting)
    keep_description(meeting, agenda.preamble, replace=replace)
    created = []
    for proposed in agenda.items:
        item = add_item(meeting, number=proposed.number, sub=proposed.sub,
                        title=proposed.title, explanation=proposed.explanation,
                        presenter=proposed.presenter, purpose=proposed.purpose,
                        asks_input=proposed.asks_input)
        for attachment in proposed.attachments:
            item.attachments.append(Attachment(label=attachment.label, title=attachment.title))
        created.append(item)
    if by is not None:
        summary = f"{len(created)} punten" + (", de oude vervangen" if replace else "")
        record_change(meeting, by, "agenda geïmporteerd",
                      note="\n\n".join(part for part in (summary, agenda.preamble) if part))
    return created


def keep_description(meeting: Meeting, preamble: str, *, replace: bool = False) -> None:
    """The text above an imported agenda becomes the meeting's description; added below
    what is there, unless the import replaces the agenda (and so its introduction)."""
    if not preamble or preamble in meeting.description:
        return
    if replace or not meeting.description:
        meeting.description = preamble
    else:
        meeting.description = f"{meeting.description}\n\n{preamble}"
