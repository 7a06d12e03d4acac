"""Agendas and past reports as the secretariat sends them, turned into proposed items.

The public face of the parser: pasted text (`parse_agenda_text`, `parse_report_text`), Word
documents (`docx_to_text`) and web pages (`html_to_text`) in, a `ProposedAgenda` out.
"""

from consult.meetings.agenda_import.docx_text import docx_to_text
from consult.meetings.agenda_import.html_text import html_to_text
from consult.meetings.agenda_import.model import (
    PURPOSES,
    ProposedAgenda,
    ProposedAttachment,
    ProposedItem,
)
from consult.meetings.agenda_import.parser import parse_agenda_text, parse_report_text

__all__ = [
    "PURPOSES",
    "ProposedAgenda",
    "ProposedAttachment",
    "ProposedItem",
    "docx_to_text",
    "html_to_text",
    "parse_agenda_text",
    "parse_report_text",
]
